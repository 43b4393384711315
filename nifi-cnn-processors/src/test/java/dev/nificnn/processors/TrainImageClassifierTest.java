package dev.nificnn.processors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nificnn.classifier.ArtifactMetadata;
import dev.nificnn.classifier.ClassifierArtifact;
import dev.nificnn.classifier.ClassifierModel;
import dev.nificnn.classifier.GaussianClusters;
import org.apache.nifi.json.JsonTreeReader;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainImageClassifierTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TestRunner runner;

    @BeforeEach
    void setUp() throws Exception {
        runner = TestRunners.newTestRunner(TrainImageClassifier.class);
        final JsonTreeReader reader = new JsonTreeReader();
        runner.addControllerService("reader", reader);
        runner.enableControllerService(reader);
        runner.setProperty(TrainImageClassifier.RECORD_READER, "reader");
        runner.setProperty(TrainImageClassifier.MAXIMUM_EPOCHS, "20");
        runner.setProperty(TrainImageClassifier.EARLY_STOPPING_PATIENCE, "3");
        runner.setProperty(TrainImageClassifier.BATCH_SIZE, "32");
        runner.setProperty(TrainImageClassifier.LEARNING_RATE, "0.01");
        runner.setProperty(TrainImageClassifier.HIDDEN_LAYER_SIZES, "32");
    }

    private static String clusters(final int rows, final int columns, final int classes, final long seed) throws Exception {
        return FeatureRecordsJson.of(GaussianClusters.matrix(rows, columns, classes, 0.7, seed));
    }

    @Test
    void trainsSelectsAndWritesModelAndReports(@TempDir final Path directory) throws Exception {
        runner.enqueue(clusters(300, 8, 3, 1), Map.of("filename", "flowers.json"));
        runner.run();

        runner.assertTransferCount(TrainImageClassifier.REL_MODEL, 1);
        runner.assertTransferCount(TrainImageClassifier.REL_REPORT, 2);
        runner.assertTransferCount(TrainImageClassifier.REL_ORIGINAL, 1);
        runner.assertTransferCount(TrainImageClassifier.REL_FAILURE, 0);

        final MockFlowFile model = runner.getFlowFilesForRelationship(TrainImageClassifier.REL_MODEL).getFirst();
        model.assertAttributeEquals("filename", "flowers.classifier.zip");
        model.assertAttributeEquals("mime.type", "application/zip");
        model.assertAttributeEquals(CnnAttributes.CLASS_COUNT, "3");
        model.assertAttributeEquals(CnnAttributes.FEATURE_LENGTH, "8");
        final String selected = model.getAttribute(CnnAttributes.MODEL_SELECTED);
        assertTrue(List.of("softmax-regression", "multilayer-perceptron").contains(selected), selected);
        final double accuracy = Double.parseDouble(model.getAttribute(CnnAttributes.ACCURACY));
        assertTrue(accuracy >= 0.95, "validation accuracy " + accuracy);

        final Path artifact = directory.resolve("model.zip");
        Files.write(artifact, model.toByteArray());
        final ClassifierModel loaded = ClassifierArtifact.read(artifact);
        final ArtifactMetadata metadata = loaded.metadata();
        assertEquals(List.of("class-0", "class-1", "class-2"), metadata.labels());
        assertEquals(8, metadata.featureLength());
        assertEquals("squeezenet1.1", metadata.featureModel());
        assertEquals("fire9/concat_1", metadata.featureLayer());
        assertEquals(selected, metadata.selectedClassifier());
        assertEquals(2, metadata.candidates().size());
        assertEquals(270, metadata.trainingRecords());
        assertEquals(30, metadata.validationRecords());
        assertEquals(42L, metadata.seed());

        final MockFlowFile json = runner.getFlowFilesForRelationship(TrainImageClassifier.REL_REPORT).stream()
                .filter(flowFile -> "evaluation-json".equals(flowFile.getAttribute(CnnAttributes.REPORT_TYPE))).findFirst().orElseThrow();
        json.assertAttributeEquals("filename", "flowers.evaluation.json");
        final JsonNode report = MAPPER.readTree(json.getContent());
        assertEquals(selected, report.get("selectedClassifier").asText());
        assertEquals(accuracy, report.get("validationAccuracy").asDouble(), 1e-4);
        assertEquals(3, report.get("perClass").size());
        long counted = 0;
        long correct = 0;
        final JsonNode counts = report.get("confusionMatrix").get("counts");
        for (int actual = 0; actual < 3; actual++) {
            for (int predicted = 0; predicted < 3; predicted++) {
                counted += counts.get(actual).get(predicted).asLong();
                correct += actual == predicted ? counts.get(actual).get(predicted).asLong() : 0;
            }
            assertEquals(10, report.get("perClass").get(actual).get("support").asLong());
        }
        assertEquals(30, counted);
        assertEquals(accuracy, correct / 30.0, 1e-4);

        final MockFlowFile png = runner.getFlowFilesForRelationship(TrainImageClassifier.REL_REPORT).stream()
                .filter(flowFile -> "confusion-matrix-png".equals(flowFile.getAttribute(CnnAttributes.REPORT_TYPE))).findFirst().orElseThrow();
        png.assertAttributeEquals("mime.type", "image/png");
        final BufferedImage picture = ImageIO.read(new ByteArrayInputStream(png.toByteArray()));
        assertNotNull(picture);
        assertTrue(picture.getWidth() > 3 * 56 && picture.getHeight() > 3 * 56);

        final MockFlowFile original = runner.getFlowFilesForRelationship(TrainImageClassifier.REL_ORIGINAL).getFirst();
        original.assertAttributeEquals(CnnAttributes.MODEL_SELECTED, selected);
        assertTrue(runner.getProvenanceEvents().stream().anyMatch(event -> event.getEventType().name().equals("FORK")
                && event.getChildUuids().size() == 3), "a FORK event with the model and the two reports");
    }

    @Test
    void sameRecordsPropertiesAndSeedGiveTheSameModelAndScores() throws Exception {
        // Overlapping clusters, so that the two candidates and the two runs could differ if anything were not seeded.
        final String records = FeatureRecordsJson.of(GaussianClusters.matrix(400, 12, 4, 2.0, 9));
        runner.enqueue(records);
        runner.enqueue(records);
        runner.run(2);
        runner.assertTransferCount(TrainImageClassifier.REL_MODEL, 2);
        final List<MockFlowFile> reports = runner.getFlowFilesForRelationship(TrainImageClassifier.REL_REPORT).stream()
                .filter(flowFile -> "evaluation-json".equals(flowFile.getAttribute(CnnAttributes.REPORT_TYPE))).toList();
        final JsonNode first = MAPPER.readTree(reports.get(0).getContent());
        final JsonNode second = MAPPER.readTree(reports.get(1).getContent());
        assertEquals(first.get("selectedClassifier"), second.get("selectedClassifier"));
        assertEquals(first.get("validationAccuracy"), second.get("validationAccuracy"));
        assertEquals(first.get("confusionMatrix"), second.get("confusionMatrix"));
        for (int candidate = 0; candidate < 2; candidate++) {
            final JsonNode one = first.get("candidates").get(candidate);
            final JsonNode other = second.get("candidates").get(candidate);
            assertEquals(one.get("validationLoss"), other.get("validationLoss"));
            assertEquals(one.get("validationAccuracy"), other.get("validationAccuracy"));
            assertEquals(one.get("bestEpoch"), other.get("bestEpoch"));
        }
        assertTrue(first.get("validationAccuracy").asDouble() < 1.0, "the data must not be trivially separable");
    }

    static Stream<Arguments> badInputs() {
        return Stream.of(
                Arguments.of("empty record set", "[]", Map.of(), "holds no records"),
                Arguments.of("one class only", "[{\"features\":[1,2],\"label\":\"cat\"},{\"features\":[2,3],\"label\":\"cat\"},"
                        + "{\"features\":[3,1],\"label\":\"cat\"}]", Map.of(), "at least two classes"),
                Arguments.of("label missing in a record", "[{\"features\":[1,2],\"label\":\"cat\"},{\"features\":[2,3]},"
                        + "{\"features\":[3,1],\"label\":\"dog\"}]", Map.of(), "Record 2 has no value in label field 'label'"),
                Arguments.of("feature field missing", "[{\"features\":[1,2],\"label\":\"cat\"},{\"label\":\"dog\"}]", Map.of(),
                        "Record 2 has no value in feature field 'features'"),
                Arguments.of("NaN feature", "[{\"features\":[1,2],\"label\":\"cat\"},{\"features\":[2,\"NaN\"],\"label\":\"dog\"}]", Map.of(),
                        "Record 2: feature 1 is NaN"),
                Arguments.of("infinite feature", "[{\"features\":[1,2],\"label\":\"cat\"},{\"features\":[1e39,2],\"label\":\"dog\"}]", Map.of(),
                        "Record 2: feature 0 is infinite"),
                Arguments.of("feature vectors of different lengths", "[{\"features\":[1,2],\"label\":\"cat\"},{\"features\":[1,2,3],\"label\":\"dog\"}]",
                        Map.of(), "Record 2 has 3 features but record 1 has 2"),
                Arguments.of("a class with one example", "[{\"features\":[1,2],\"label\":\"cat\"},{\"features\":[2,2],\"label\":\"cat\"},"
                        + "{\"features\":[1,3],\"label\":\"dog\"},{\"features\":[2,4],\"label\":\"dog\"},{\"features\":[5,5],\"label\":\"emu\"}]", Map.of(),
                        "Class 'emu' has 1 example: the stratified validation split needs at least 2"),
                Arguments.of("features of different models", "[{\"features\":[1,2],\"label\":\"cat\",\"model\":\"alexnet\"},"
                        + "{\"features\":[1,2],\"label\":\"dog\",\"model\":\"squeezenet1.1\"}]", Map.of(), "different models or layers"),
                Arguments.of("matrix over the size limit", "[" + "{\"features\":[1,2,3,4,5,6,7,8],\"label\":\"cat\"},".repeat(5)
                        + "{\"features\":[1,2,3,4,5,6,7,8],\"label\":\"dog\"}]",
                        Map.of(TrainImageClassifier.MAXIMUM_MATRIX_SIZE.getName(), "200 B"), "larger than the Maximum Training Matrix Size"),
                Arguments.of("not records at all", "this is not JSON", Map.of(), "Training failed"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInputs")
    void badInputGoesToFailureWithReasonAndTheProcessorKeepsWorking(final String name, final String content, final Map<String, String> properties,
                                                                    final String expectedReason) throws Exception {
        properties.forEach(runner::setProperty);
        runner.setProperty(TrainImageClassifier.MAXIMUM_EPOCHS, "3");
        runner.enqueue(content, Map.of("filename", "bad.json"));
        // 10 records x 2 features = 120 bytes: under every limit used here.
        runner.enqueue(FeatureRecordsJson.of(GaussianClusters.matrix(10, 2, 2, 0.5, 3)));
        runner.run(2);

        runner.assertTransferCount(TrainImageClassifier.REL_FAILURE, 1);
        final MockFlowFile failed = runner.getFlowFilesForRelationship(TrainImageClassifier.REL_FAILURE).getFirst();
        failed.assertContentEquals(content);
        failed.assertAttributeEquals("filename", "bad.json");
        final String reason = failed.getAttribute(CnnAttributes.ERROR);
        assertNotNull(reason);
        assertTrue(reason.contains(expectedReason), reason);
        // The processor went on: the good FlowFile after the bad one was trained on, and nothing else was left behind.
        runner.assertTransferCount(TrainImageClassifier.REL_ORIGINAL, 1);
        runner.assertTransferCount(TrainImageClassifier.REL_MODEL, 1);
        runner.assertQueueEmpty();
    }
}

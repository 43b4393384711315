package dev.nificnn.processors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nificnn.classifier.ArtifactMetadata;
import dev.nificnn.classifier.ClassifierArtifact;
import dev.nificnn.classifier.FeatureMatrix;
import dev.nificnn.classifier.GaussianClusters;
import dev.nificnn.classifier.TrainingSetStore;
import org.apache.nifi.json.JsonTreeReader;
import org.apache.nifi.util.LogMessage;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TrainImageClassifier gathering a training set from many small FlowFiles, arriving class by class, the way ExtractImageFeatures
 * delivers a ListImageDataset listing: exactly one training, on the whole set, whatever the timing.
 */
class TrainImageClassifierGatheringTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String SET_ID = "set-0001";

    private static TestRunner runner(final Path store) throws Exception {
        final TestRunner runner = TestRunners.newTestRunner(TrainImageClassifier.class);
        final JsonTreeReader reader = new JsonTreeReader();
        runner.addControllerService("reader", reader);
        runner.enableControllerService(reader);
        runner.setProperty(TrainImageClassifier.RECORD_READER, "reader");
        runner.setProperty(TrainImageClassifier.STORE_DIRECTORY, store.toString());
        runner.setProperty(TrainImageClassifier.MAXIMUM_EPOCHS, "15");
        runner.setProperty(TrainImageClassifier.EARLY_STOPPING_PATIENCE, "3");
        runner.setProperty(TrainImageClassifier.LEARNING_RATE, "0.01");
        runner.setProperty(TrainImageClassifier.HIDDEN_LAYER_SIZES, "16");
        runner.setProperty(TrainImageClassifier.CANDIDATES, CandidateClassifiers.SOFTMAX_REGRESSION);
        return runner;
    }

    /** The rows sorted by class (as a listing walks class folders one after the other), cut into FlowFiles of perFlowFile records. */
    private static List<String> classByClass(final FeatureMatrix matrix, final int perFlowFile) {
        final Integer[] order = IntStream.range(0, matrix.rows()).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingInt(row -> matrix.classIndexes()[row]));
        final List<String> chunks = new ArrayList<>();
        for (int start = 0; start < order.length; start += perFlowFile) {
            final int size = Math.min(perFlowFile, order.length - start);
            final float[] values = new float[size * matrix.columns()];
            final int[] classes = new int[size];
            for (int index = 0; index < size; index++) {
                final int row = order[start + index];
                System.arraycopy(matrix.values(), row * matrix.columns(), values, index * matrix.columns(), matrix.columns());
                classes[index] = matrix.classIndexes()[row];
            }
            chunks.add(FeatureRecordsJson.of(new FeatureMatrix(values, size, matrix.columns(), classes, matrix.classLabels())));
        }
        return chunks;
    }

    private static Map<String, String> dataset(final long size) {
        return Map.of(CnnAttributes.DATASET_ID, SET_ID, CnnAttributes.DATASET_SIZE, Long.toString(size));
    }

    @Test
    void trainsOnceOnTheWholeSetArrivingClassByClass(@TempDir final Path directory) throws Exception {
        final FeatureMatrix matrix = GaussianClusters.matrix(600, 8, 3, 0.7, 5);
        final List<String> chunks = classByClass(matrix, 20);
        final TestRunner runner = runner(directory.resolve("store"));
        for (int index = 0; index < chunks.size(); index++) {
            runner.enqueue(chunks.get(index), dataset(600));
            // One FlowFile per trigger, like a slow upstream: the first two classes alone must never be trained on.
            runner.run(1, false, index == 0);
            if (index < chunks.size() - 1) {
                runner.assertTransferCount(TrainImageClassifier.REL_MODEL, 0);
            }
        }
        runner.run(1, true, false);

        runner.assertTransferCount(TrainImageClassifier.REL_MODEL, 1);
        runner.assertTransferCount(TrainImageClassifier.REL_REPORT, 2);
        runner.assertTransferCount(TrainImageClassifier.REL_ORIGINAL, chunks.size());
        runner.assertTransferCount(TrainImageClassifier.REL_FAILURE, 0);
        final MockFlowFile model = runner.getFlowFilesForRelationship(TrainImageClassifier.REL_MODEL).getFirst();
        model.assertAttributeEquals("filename", "image-classifier.classifier.zip");
        model.assertAttributeEquals(CnnAttributes.TRAINING_SET_ID, SET_ID);
        model.assertAttributeEquals(CnnAttributes.TRAINING_RECORDS, "600");
        model.assertAttributeEquals(CnnAttributes.TRAINING_EXPECTED, "600");
        model.assertAttributeEquals(CnnAttributes.TRAINING_FAILED_IMAGES, "0");
        model.assertAttributeEquals(CnnAttributes.TRAINING_COMPLETE, "true");
        model.assertAttributeEquals(CnnAttributes.TRAINING_TRIGGER, "count-reached");
        model.assertAttributeEquals(CnnAttributes.CLASS_COUNT, "3");
        final int[] counts = matrix.classCounts();
        final JsonNode classCounts = MAPPER.readTree(model.getAttribute(CnnAttributes.TRAINING_CLASS_COUNTS));
        for (int index = 0; index < counts.length; index++) {
            assertEquals(counts[index], classCounts.path(matrix.classLabels().get(index)).asInt(), matrix.classLabels().get(index));
        }
        assertTrue(Double.parseDouble(model.getAttribute(CnnAttributes.ACCURACY)) >= 0.9);

        final Path artifact = directory.resolve("model.zip");
        Files.write(artifact, model.toByteArray());
        final ArtifactMetadata metadata = ClassifierArtifact.readMetadata(artifact);
        assertEquals(3, metadata.labels().size());
        assertEquals(600, metadata.trainingRecords() + metadata.validationRecords());
        assertEquals(counts[0], metadata.classRecordCounts().get(matrix.classLabels().getFirst()));
        assertTrue(metadata.trainingSet().complete());
        assertEquals(600, metadata.trainingSet().expectedInputs());
        final JsonNode report = MAPPER.readTree(runner.getFlowFilesForRelationship(TrainImageClassifier.REL_REPORT).stream()
                .filter(flowFile -> "evaluation-json".equals(flowFile.getAttribute(CnnAttributes.REPORT_TYPE))).findFirst().orElseThrow()
                .toByteArray());
        assertEquals(600, report.path("trainingSet").path("records").asInt());
        assertEquals(counts[2], report.path("classRecordCounts").path(matrix.classLabels().get(2)).asInt());
        assertTrue(TrainingSetStore.existingSets(directory.resolve("store")).isEmpty(), "the trained set's store is deleted");
    }

    @Test
    void countsFailedImagesInsteadOfWaitingForThem(@TempDir final Path directory) throws Exception {
        final FeatureMatrix matrix = GaussianClusters.matrix(300, 6, 3, 0.7, 9);
        final TestRunner runner = runner(directory.resolve("store"));
        // 300 records plus 7 images that failed upstream: 4 ExtractImageFeatures failures, 3 FetchFile failures.
        for (final String chunk : classByClass(matrix, 25)) {
            runner.enqueue(chunk, dataset(307));
        }
        for (int failed = 0; failed < 4; failed++) {
            final Map<String, String> attributes = new HashMap<>(dataset(307));
            attributes.put("cnn.error", "Content is text, not an image");
            runner.enqueue("not an image", attributes);
        }
        for (int failed = 0; failed < 3; failed++) {
            final Map<String, String> attributes = new HashMap<>(dataset(307));
            attributes.put("fetch.failure.reason", "File not found");
            runner.enqueue(new byte[0], attributes);
        }
        runner.run(3);

        runner.assertTransferCount(TrainImageClassifier.REL_MODEL, 1);
        runner.assertTransferCount(TrainImageClassifier.REL_ORIGINAL, 12 + 7);
        final MockFlowFile model = runner.getFlowFilesForRelationship(TrainImageClassifier.REL_MODEL).getFirst();
        model.assertAttributeEquals(CnnAttributes.TRAINING_RECORDS, "300");
        model.assertAttributeEquals(CnnAttributes.TRAINING_FAILED_IMAGES, "7");
        model.assertAttributeEquals(CnnAttributes.TRAINING_COMPLETE, "true");
        assertTrue(runner.getLogger().getWarnMessages().stream().anyMatch(message -> message.getMsg().contains("7 of its 307 images failed")),
                "a set with failed images is said loudly");
    }

    @Test
    void resumesAfterARestartAndCountsAReplayedFlowFileOnce(@TempDir final Path directory) throws Exception {
        final FeatureMatrix matrix = GaussianClusters.matrix(300, 6, 3, 0.7, 11);
        final List<String> chunks = classByClass(matrix, 30);
        final Path store = directory.resolve("store");
        final TestRunner before = runner(store);
        MockFlowFile lastBeforeRestart = null;
        for (int index = 0; index < 6; index++) {
            lastBeforeRestart = before.enqueue(chunks.get(index), dataset(300));
        }
        before.run(1);
        before.assertTransferCount(TrainImageClassifier.REL_MODEL, 0);
        before.assertTransferCount(TrainImageClassifier.REL_ORIGINAL, 6);

        // A new processor instance over the same store: what a restart of NiFi gives.
        final TestRunner after = runner(store);
        // The last FlowFile gathered before the restart arrives again (its acknowledgement was lost), then the rest.
        final MockFlowFile replay = new MockFlowFile(1_000);
        replay.putAttributes(lastBeforeRestart.getAttributes());
        replay.setData(lastBeforeRestart.toByteArray());
        after.enqueue(replay);
        for (int index = 6; index < chunks.size(); index++) {
            after.enqueue(chunks.get(index), dataset(300));
        }
        after.run(1);
        after.assertTransferCount(TrainImageClassifier.REL_MODEL, 1);
        after.assertTransferCount(TrainImageClassifier.REL_ORIGINAL, 5);
        after.getFlowFilesForRelationship(TrainImageClassifier.REL_MODEL).getFirst().assertAttributeEquals(CnnAttributes.TRAINING_RECORDS, "300");
    }

    @Test
    void incompleteSetTrainsOnlyAfterTheTimeoutAndSaysSo(@TempDir final Path directory) throws Exception {
        final FeatureMatrix matrix = GaussianClusters.matrix(300, 6, 3, 0.7, 13);
        final TestRunner runner = runner(directory.resolve("store"));
        runner.setProperty(TrainImageClassifier.INCOMPLETE_SET_TIMEOUT, "300 ms");
        for (final String chunk : classByClass(matrix, 30)) {
            runner.enqueue(chunk, dataset(400));
        }
        runner.run(1, false, true);
        runner.assertTransferCount(TrainImageClassifier.REL_MODEL, 0);
        Thread.sleep(400);
        runner.run(1, true, false);

        runner.assertTransferCount(TrainImageClassifier.REL_MODEL, 1);
        final MockFlowFile model = runner.getFlowFilesForRelationship(TrainImageClassifier.REL_MODEL).getFirst();
        model.assertAttributeEquals(CnnAttributes.TRAINING_COMPLETE, "false");
        model.assertAttributeEquals(CnnAttributes.TRAINING_TRIGGER, "timeout");
        model.assertAttributeEquals(CnnAttributes.TRAINING_RECORDS, "300");
        model.assertAttributeEquals(CnnAttributes.TRAINING_EXPECTED, "400");
        final List<LogMessage> warnings = runner.getLogger().getWarnMessages();
        assertTrue(warnings.stream().anyMatch(message -> message.getMsg().contains("INCOMPLETE") && message.getMsg().contains("100 images never arrived")),
                warnings.toString());
    }

    @Test
    void aSingleClassSetFailsOnceWithItsCounts(@TempDir final Path directory) throws Exception {
        final FeatureMatrix matrix = GaussianClusters.matrix(90, 4, 3, 0.7, 17);
        final List<String> chunks = classByClass(matrix, 10);
        final TestRunner runner = runner(directory.resolve("store"));
        // The set is announced as the first class's records only: training must fail, loudly, and only once.
        final int firstClass = matrix.classCounts()[0];
        final int chunksOfFirstClass = firstClass / 10;
        for (int index = 0; index < chunksOfFirstClass; index++) {
            runner.enqueue(chunks.get(index), dataset((long) chunksOfFirstClass * 10));
        }
        runner.run(2);
        runner.assertTransferCount(TrainImageClassifier.REL_MODEL, 0);
        runner.assertTransferCount(TrainImageClassifier.REL_FAILURE, 1);
        final MockFlowFile failure = runner.getFlowFilesForRelationship(TrainImageClassifier.REL_FAILURE).getFirst();
        assertTrue(failure.getAttribute("cnn.error").contains("at least two classes"), failure.getAttribute("cnn.error"));
        failure.assertAttributeEquals("filename", "image-classifier.training-failure.json");
        final JsonNode content = MAPPER.readTree(failure.toByteArray());
        assertEquals(chunksOfFirstClass * 10, content.path("trainingSet").path("records").asInt());
        assertFalse(content.path("error").asText().isEmpty());
    }

    @Test
    void aFlowFileWithoutSizeIsStillAWholeSet(@TempDir final Path directory) throws Exception {
        final TestRunner runner = runner(directory.resolve("store"));
        runner.enqueue(FeatureRecordsJson.of(GaussianClusters.matrix(150, 4, 3, 0.7, 19)), Map.of("filename", "merged.json"));
        runner.run();
        runner.assertTransferCount(TrainImageClassifier.REL_MODEL, 1);
        final MockFlowFile model = runner.getFlowFilesForRelationship(TrainImageClassifier.REL_MODEL).getFirst();
        model.assertAttributeEquals("filename", "merged.classifier.zip");
        model.assertAttributeEquals(CnnAttributes.TRAINING_TRIGGER, "single-flowfile");
        model.assertAttributeEquals(CnnAttributes.TRAINING_RECORDS, "150");
    }
}

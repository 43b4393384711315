package dev.nificnn.processors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nificnn.classifier.ClassifierArtifact;
import dev.nificnn.classifier.ClassifierKind;
import dev.nificnn.classifier.ClassifierTrainer;
import dev.nificnn.classifier.FeatureMatrix;
import dev.nificnn.classifier.FeatureSource;
import dev.nificnn.classifier.GaussianClusters;
import dev.nificnn.classifier.TrainingSettings;
import dev.nificnn.testing.JsonScoringRunner;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.nifi.avro.AvroRecordSetWriter;
import org.apache.nifi.serialization.SimpleRecordSchema;
import org.apache.nifi.serialization.record.RecordField;
import org.apache.nifi.serialization.record.RecordFieldType;
import org.apache.nifi.serialization.record.RecordSchema;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScoreImageClassifierTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int FEATURES = 6;

    @TempDir
    static Path directory;
    private static Path artifact;

    private TestRunner runner;

    /** Trains a three-class softmax regression on well separated clusters once for all tests. */
    @BeforeAll
    static void trainModel() throws Exception {
        final FeatureMatrix matrix = GaussianClusters.matrix(300, FEATURES, 3, 0.5, 21);
        final TrainingSettings settings = TrainingSettings.defaults().withCandidates(Set.of(ClassifierKind.SOFTMAX_REGRESSION))
                .withEpochs(20, 3).withBatchSize(32).withLearningRate(0.01);
        artifact = directory.resolve("clusters.classifier.zip");
        ClassifierArtifact.write(ClassifierTrainer.train(matrix, settings, new FeatureSource("squeezenet1.1", "fire9/concat_1")), artifact);
    }

    @BeforeEach
    void setUp() throws Exception {
        runner = JsonScoringRunner.create(artifact);
        runner.setProperty(ScoreImageClassifier.TOP_K, "2");
    }

    @Test
    void addsPredictionsToEveryRecordAndKeepsTheInputFields() throws Exception {
        // Fresh samples from the same clusters (same seed gives the same centres; the rows differ by count and order).
        final FeatureMatrix fresh = GaussianClusters.matrix(90, FEATURES, 3, 0.5, 21);
        runner.enqueue(FeatureRecordsJson.of(fresh));
        runner.run();

        runner.assertAllFlowFilesTransferred(ScoreImageClassifier.REL_SUCCESS, 1);
        final MockFlowFile scored = runner.getFlowFilesForRelationship(ScoreImageClassifier.REL_SUCCESS).getFirst();
        scored.assertAttributeEquals("record.count", "90");
        scored.assertAttributeEquals("mime.type", "application/json");
        scored.assertAttributeNotExists(CnnAttributes.LABEL);
        final JsonNode records = MAPPER.readTree(scored.getContent());
        assertEquals(90, records.size());
        int correct = 0;
        for (int row = 0; row < 90; row++) {
            final JsonNode record = records.get(row);
            assertEquals("image-" + row + ".png", record.get("source").asText());
            assertEquals(FEATURES, record.get("features").size());
            final String label = record.get("label").asText();
            final String predicted = record.get("predicted_label").asText();
            final double probability = record.get("predicted_score").asDouble();
            final JsonNode top = record.get("top_k");
            assertEquals(2, top.size());
            assertEquals(predicted, top.get(0).get("label").asText());
            assertEquals(record.get("predicted_index").asInt(), top.get(0).get("index").asInt());
            assertEquals(predicted, "class-" + record.get("predicted_index").asInt());
            assertEquals(probability, top.get(0).get("score").asDouble(), 1e-6);
            assertTrue(probability >= top.get(1).get("score").asDouble());
            assertTrue(probability > 1.0 / 3 && probability <= 1.0);
            assertTrue(probability + top.get(1).get("score").asDouble() <= 1.0 + 1e-6);
            if (label.equals(predicted)) {
                correct++;
            }
        }
        assertTrue(correct >= 87, "correct " + correct + " of 90");
        assertEquals(1, runner.getProvenanceEvents().stream().filter(event -> event.getEventType().name().equals("CONTENT_MODIFIED")).count());
    }

    /**
     * Overlapping clusters (spread 1.5): the records the classifier is unsure of leave one by one on 'review', each named after its
     * image and folder so that FetchFile can fetch the image again; the confident ones stay together on 'success'; none is lost, and
     * the reviewed ones are the ones it gets wrong far more often.
     */
    @Test
    void sendsEachUnsureRecordToReviewOnItsOwnAndKeepsTheRestTogether() throws Exception {
        assertFalse(runner.getProcessor().getRelationships().contains(ScoreImageClassifier.REL_REVIEW), "no review relationship while review is off");
        runner.setProperty(ScoreImageClassifier.REVIEW_SCORE_THRESHOLD, "0.9");
        assertTrue(runner.getProcessor().getRelationships().contains(ScoreImageClassifier.REL_REVIEW));
        final FeatureMatrix overlapping = GaussianClusters.matrix(300, FEATURES, 3, 1.5, 21);
        final String json = FeatureRecordsJson.of(overlapping).replace("\"source\":", "\"source_directory\":\"/data/pool\",\"source\":");
        runner.enqueue(json, Map.of("filename", "batch-1"));
        runner.run();

        runner.assertTransferCount(ScoreImageClassifier.REL_FAILURE, 0);
        runner.assertTransferCount(ScoreImageClassifier.REL_SUCCESS, 1);
        final MockFlowFile confident = runner.getFlowFilesForRelationship(ScoreImageClassifier.REL_SUCCESS).getFirst();
        final JsonNode confidentRecords = MAPPER.readTree(confident.getContent());
        final List<MockFlowFile> reviews = runner.getFlowFilesForRelationship(ScoreImageClassifier.REL_REVIEW);
        assertEquals(300, confidentRecords.size() + reviews.size(), "every record is either scored or sent to review");
        confident.assertAttributeEquals("record.count", Integer.toString(confidentRecords.size()));
        assertTrue(reviews.size() >= 15 && confidentRecords.size() >= 100, reviews.size() + " reviewed of 300");
        int confidentCorrect = 0;
        for (final JsonNode record : confidentRecords) {
            assertTrue(record.get("predicted_score").asDouble() >= 0.9);
            assertFalse(record.has("review_reason"));
            confidentCorrect += record.get("label").asText().equals(record.get("predicted_label").asText()) ? 1 : 0;
        }
        int reviewCorrect = 0;
        for (final MockFlowFile review : reviews) {
            review.assertAttributeEquals("record.count", "1");
            review.assertAttributeEquals("absolute.path", "/data/pool");
            assertTrue(review.getAttribute("filename").matches("image-\\d+\\.png"), review.getAttribute("filename"));
            final double score = Double.parseDouble(review.getAttribute(CnnAttributes.SCORE));
            assertTrue(score < 0.9, "score " + score);
            assertTrue(review.getAttribute(CnnAttributes.REVIEW_REASON).startsWith("top score "));
            final JsonNode record = MAPPER.readTree(review.getContent()).get(0);
            assertEquals(review.getAttribute("filename"), record.get("source").asText());
            assertEquals(review.getAttribute(CnnAttributes.LABEL), record.get("predicted_label").asText());
            assertEquals(review.getAttribute(CnnAttributes.REVIEW_REASON), record.get("review_reason").asText());
            assertEquals(score - Double.parseDouble(review.getAttribute(CnnAttributes.REVIEW_MARGIN)), record.get("top_k").get(1).get("score").asDouble(), 2e-6,
                    "the margin is the gap to the second class");
            reviewCorrect += record.get("label").asText().equals(record.get("predicted_label").asText()) ? 1 : 0;
        }
        final double confidentAccuracy = (double) confidentCorrect / confidentRecords.size();
        final double reviewAccuracy = (double) reviewCorrect / reviews.size();
        System.out.printf("review at 0.9: %d of 300 reviewed (accuracy %.3f), %d confident (accuracy %.3f)%n", reviews.size(), reviewAccuracy,
                confidentRecords.size(), confidentAccuracy);
        assertTrue(confidentAccuracy > reviewAccuracy + 0.15, "confident " + confidentAccuracy + " vs reviewed " + reviewAccuracy);
        assertEquals(300, runner.getCounterValue("Records scored"));
        assertEquals(reviews.size(), runner.getCounterValue("Records sent to review"));
    }

    @Test
    void writesThroughAnAvroWriter() throws Exception {
        // Avro names allow no dots: the output fields are named so that the fast binary writer works.
        final AvroRecordSetWriter avro = new AvroRecordSetWriter();
        runner.addControllerService("avro", avro);
        runner.enableControllerService(avro);
        runner.setProperty(ScoreImageClassifier.RECORD_WRITER, "avro");
        runner.enqueue(FeatureRecordsJson.of(GaussianClusters.matrix(30, FEATURES, 3, 0.5, 21)));
        runner.run();

        runner.assertAllFlowFilesTransferred(ScoreImageClassifier.REL_SUCCESS, 1);
        final MockFlowFile scored = runner.getFlowFilesForRelationship(ScoreImageClassifier.REL_SUCCESS).getFirst();
        scored.assertAttributeEquals("record.count", "30");
        int records = 0;
        int correct = 0;
        try (DataFileStream<GenericRecord> stream = new DataFileStream<>(new ByteArrayInputStream(scored.toByteArray()), new GenericDatumReader<>())) {
            for (final GenericRecord record : stream) {
                records++;
                final String predicted = record.get("predicted_label").toString();
                final double probability = (Double) record.get("predicted_score");
                final GenericRecord top = (GenericRecord) ((List<?>) record.get("top_k")).getFirst();
                assertEquals(predicted, top.get("label").toString());
                assertEquals(probability, (Double) top.get("score"), 1e-9);
                correct += predicted.equals(record.get("label").toString()) ? 1 : 0;
            }
        }
        assertEquals(30, records);
        assertTrue(correct >= 28, "correct " + correct + " of 30");
    }

    @Test
    void singleRecordFlowFileGetsLabelAndScoreAttributes() throws Exception {
        final FeatureMatrix one = GaussianClusters.matrix(3, FEATURES, 3, 0.5, 21);
        final String json = FeatureRecordsJson.of(one);
        // Only the record of class-1 (the second one).
        final String second = "[" + json.substring(json.indexOf("},\n{") + 3, json.lastIndexOf("},\n{") + 1) + "]";
        runner.setProperty(ScoreImageClassifier.TOP_K, "10");
        runner.enqueue(second);
        runner.run();

        runner.assertAllFlowFilesTransferred(ScoreImageClassifier.REL_SUCCESS, 1);
        final MockFlowFile scored = runner.getFlowFilesForRelationship(ScoreImageClassifier.REL_SUCCESS).getFirst();
        scored.assertAttributeEquals(CnnAttributes.LABEL, "class-1");
        scored.assertAttributeEquals(CnnAttributes.LABEL_INDEX, "1");
        assertTrue(scored.getAttribute(CnnAttributes.SCORE).matches("[01]\\.\\d{6}"), scored.getAttribute(CnnAttributes.SCORE));
        final double score = Double.parseDouble(scored.getAttribute(CnnAttributes.SCORE));
        final JsonNode record = MAPPER.readTree(scored.getContent()).get(0);
        assertEquals(record.get("predicted_score").asDouble(), score, 1e-6);
        // Top K larger than the class count gives every class, and all probabilities sum to one.
        final JsonNode top = record.get("top_k");
        assertEquals(3, top.size());
        assertEquals(1.0, top.get(0).get("score").asDouble() + top.get(1).get("score").asDouble()
                + top.get(2).get("score").asDouble(), 1e-5);
    }

    @Test
    void badRecordsSendTheFlowFileToFailureUnchangedAndScoringGoesOn() throws Exception {
        final Map<String, String> badInputs = Map.of(
                "[{\"features\":[1,2,3],\"label\":\"x\"}]", "Record 1 has 3 features but the classifier takes 6",
                "[{\"features\":[1,2,3,4,5,6]},{\"features\":[1,2,3,4,5,6,7]}]", "Record 2 has 7 features but the classifier takes 6",
                "[{\"features\":[1,2,3,\"NaN\",5,6]}]", "Record 1: feature 3 is NaN",
                "[{\"features\":[1,2,3,4,5,1e39]}]", "Record 1: feature 5 is infinite",
                "[{\"vector\":[1,2,3,4,5,6]}]", "Record 1 has no value in feature field 'features'",
                "{not json", "Records could not be read or written");
        for (final Map.Entry<String, String> bad : badInputs.entrySet()) {
            runner.enqueue(bad.getKey());
        }
        runner.enqueue("[{\"features\":[1,2,3,4,5,6]}]");
        runner.run(badInputs.size() + 1);

        runner.assertTransferCount(ScoreImageClassifier.REL_FAILURE, badInputs.size());
        runner.assertTransferCount(ScoreImageClassifier.REL_SUCCESS, 1);
        for (final MockFlowFile failed : runner.getFlowFilesForRelationship(ScoreImageClassifier.REL_FAILURE)) {
            final String content = failed.getContent();
            final String reason = failed.getAttribute(CnnAttributes.ERROR);
            assertTrue(reason.contains(badInputs.get(content)), content + " -> " + reason);
            failed.assertAttributeNotExists("record.count");
        }
    }

    @Test
    void outputSchemaAddsThePredictionFields() {
        final RecordSchema input = new SimpleRecordSchema(List.of(
                new RecordField("features", RecordFieldType.ARRAY
                        .getArrayDataType(RecordFieldType.FLOAT.getDataType())),
                new RecordField("predicted_label",
                        RecordFieldType.INT.getDataType())));
        final RecordSchema output = ScoreImageClassifier.outputSchema(input);
        assertEquals(List.of("features", "predicted_label", "predicted_index", "predicted_score", "top_k"), output.getFieldNames());
        assertEquals(RecordFieldType.STRING, output.getDataType("predicted_label").orElseThrow().getFieldType());
        assertFalse(output.getField("top_k").isEmpty());
    }
}

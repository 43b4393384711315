package dev.nificnn.processors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nificnn.onnx.ExecutionProvider;
import dev.nificnn.onnx.FeaturePooling;
import dev.nificnn.onnx.generate.AlexNetTopologyModel;
import dev.nificnn.services.OnnxModelService;
import dev.nificnn.testing.SharedData;
import org.apache.nifi.json.JsonRecordSetWriter;
import org.apache.nifi.provenance.ProvenanceEventRecord;
import org.apache.nifi.provenance.ProvenanceEventType;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Extracts SqueezeNet fire9 features (the tap of the test manifest) from the shared photos into JSON records. */
class ExtractImageFeaturesTest {

    private TestRunner runner;
    private byte[] kitten;
    private byte[] fish;

    @BeforeEach
    void setUp() throws Exception {
        runner = TestRunners.newTestRunner(ExtractImageFeatures.class);
        ClassifyImageTest.addSqueezeNet(runner, "squeezenet1.1-fp32.json");
        final JsonRecordSetWriter writer = new JsonRecordSetWriter();
        runner.addControllerService("writer", writer);
        runner.enableControllerService(writer);
        runner.setProperty(ExtractImageFeatures.MODEL_SERVICE, "model");
        runner.setProperty(ExtractImageFeatures.RECORD_WRITER, "writer");
        runner.setProperty(ExtractImageFeatures.LAYER, "fire9");
        kitten = Files.readAllBytes(SharedData.require("test-images/kitten_224.png"));
        fish = Files.readAllBytes(SharedData.require("test-images/fish.png"));
    }

    private JsonNode runAndReadRecords(final int expectedRecords) throws Exception {
        runner.run();
        runner.assertTransferCount(ExtractImageFeatures.REL_SUCCESS, 1);
        final MockFlowFile output = runner.getFlowFilesForRelationship(ExtractImageFeatures.REL_SUCCESS).getFirst();
        output.assertAttributeEquals("record.count", Integer.toString(expectedRecords));
        final JsonNode records = new ObjectMapper().readTree(output.getContent());
        assertEquals(expectedRecords, records.size());
        return records;
    }

    @Test
    void writesOneRecordPerImageWithTheDocumentedFields() throws Exception {
        runner.setProperty(ExtractImageFeatures.POOLING, FeaturePooling.GLOBAL_AVERAGE.getValue());
        runner.enqueue(kitten, Map.of("filename", "kitten_224.png", "absolute.path", "/data/train/cat/"));
        runner.enqueue(fish, Map.of("filename", "fish.png", "absolute.path", "/data/train/fish"));
        runner.enqueue(kitten, Map.of("filename", "unlabelled.png"));
        final JsonNode records = runAndReadRecords(3);

        runner.assertTransferCount(ExtractImageFeatures.REL_ORIGINAL, 3);
        runner.assertTransferCount(ExtractImageFeatures.REL_FAILURE, 0);
        final MockFlowFile output = runner.getFlowFilesForRelationship(ExtractImageFeatures.REL_SUCCESS).getFirst();
        output.assertAttributeEquals("cnn.model.id", "squeezenet1.1-0fccde009e25");
        output.assertAttributeEquals("cnn.provider", "CPU");
        output.assertAttributeEquals("cnn.layer", "fire9");
        output.assertAttributeEquals("cnn.feature.length", "512");
        output.assertAttributeEquals("mime.type", "application/json");

        assertEquals("cat", records.get(0).get("label").asText());
        assertEquals("fish", records.get(1).get("label").asText());
        assertTrue(records.get(2).get("label").isNull());
        assertEquals("kitten_224.png", records.get(0).get("source").asText());
        assertEquals("squeezenet1.1-0fccde009e25", records.get(0).get("model").asText());
        assertEquals("fire9", records.get(0).get("layer").asText());
        assertEquals(512, records.get(0).get("features").size());
        // The same image gives the same features; different images differ.
        assertEquals(records.get(0).get("features"), records.get(2).get("features"));
        assertTrue(!records.get(0).get("features").equals(records.get(1).get("features")));
        // fire9 follows a ReLU: averages are non-negative and not all zero.
        double sum = 0;
        for (final JsonNode value : records.get(0).get("features")) {
            assertTrue(value.floatValue() >= 0);
            sum += value.floatValue();
        }
        assertTrue(sum > 1);

        for (final ProvenanceEventRecord event : runner.getProvenanceEvents()) {
            if (event.getEventType() == ProvenanceEventType.ATTRIBUTES_MODIFIED) {
                assertEquals("Features of layer fire9 extracted by model squeezenet1.1-0fccde009e25 on CPU", event.getDetails());
            }
        }
        assertEquals(3, runner.getProvenanceEvents().stream().filter(event -> event.getEventType() == ProvenanceEventType.ATTRIBUTES_MODIFIED).count());
        assertEquals(3, runner.getCounterValue(InferenceCounters.IMAGES));
    }

    @Test
    void poolsAndNormalisesTheRawLayerValues() throws Exception {
        runner.enqueue(kitten);
        final float[] raw = floats(runAndReadRecords(1).get(0).get("features"));
        assertEquals(512 * 13 * 13, raw.length);

        final float[] expectedAverage = new float[512];
        final float[] expectedMaximum = new float[512];
        for (int channel = 0; channel < 512; channel++) {
            double sum = 0;
            float maximum = Float.NEGATIVE_INFINITY;
            for (int position = 0; position < 169; position++) {
                sum += raw[channel * 169 + position];
                maximum = Math.max(maximum, raw[channel * 169 + position]);
            }
            expectedAverage[channel] = (float) (sum / 169);
            expectedMaximum[channel] = maximum;
        }

        runner.clearTransferState();
        runner.setProperty(ExtractImageFeatures.POOLING, FeaturePooling.GLOBAL_MAX.getValue());
        runner.enqueue(kitten);
        assertArraysClose(expectedMaximum, floats(runAndReadRecords(1).get(0).get("features")), 0f);

        runner.clearTransferState();
        runner.setProperty(ExtractImageFeatures.POOLING, FeaturePooling.GLOBAL_AVERAGE.getValue());
        runner.setProperty(ExtractImageFeatures.L2_NORMALIZE, "true");
        runner.enqueue(kitten);
        final float[] normalised = floats(runAndReadRecords(1).get(0).get("features"));
        double norm = 0;
        for (final float value : expectedAverage) {
            norm += value * value;
        }
        final float length = (float) Math.sqrt(norm);
        double normalisedNorm = 0;
        for (int channel = 0; channel < 512; channel++) {
            assertEquals(expectedAverage[channel] / length, normalised[channel], 1e-5f);
            normalisedNorm += normalised[channel] * normalised[channel];
        }
        assertEquals(1.0, normalisedNorm, 1e-4);
    }

    @Test
    void readsTheClassOutputAsALayerToo() throws Exception {
        runner.setProperty(ExtractImageFeatures.LAYER, "softmaxout_1");
        runner.enqueue(kitten);
        final float[] probabilities = floats(runAndReadRecords(1).get(0).get("features"));
        assertEquals(1000, probabilities.length);
        assertTrue(probabilities[281] > 0.9f, Float.toString(probabilities[281]));
    }

    @Test
    void rejectsAnUnknownLayer() {
        runner.setProperty(ExtractImageFeatures.LAYER, "fc7");
        runner.assertNotValid();
    }

    @Test
    void keepsEachDatasetListingsIdAndSizeOnItsOwnOutput() throws Exception {
        runner.setProperty(ExtractImageFeatures.POOLING, FeaturePooling.GLOBAL_AVERAGE.getValue());
        // A re-listed tree's first images share a batch with the last images of the previous listing.
        runner.enqueue(kitten, Map.of("filename", "a1", "cnn.dataset.id", "listing-a", "cnn.dataset.size", "3", "cnn.dataset.index", "1"));
        runner.enqueue(fish, Map.of("filename", "b0", "cnn.dataset.id", "listing-b", "cnn.dataset.size", "4", "cnn.dataset.index", "0"));
        runner.enqueue(fish, Map.of("filename", "a2", "cnn.dataset.id", "listing-a", "cnn.dataset.size", "3", "cnn.dataset.index", "2"));
        runner.run();
        runner.assertTransferCount(ExtractImageFeatures.REL_SUCCESS, 2);
        final MockFlowFile first = runner.getFlowFilesForRelationship(ExtractImageFeatures.REL_SUCCESS).get(0);
        final MockFlowFile second = runner.getFlowFilesForRelationship(ExtractImageFeatures.REL_SUCCESS).get(1);
        first.assertAttributeEquals("cnn.dataset.id", "listing-a");
        first.assertAttributeEquals("cnn.dataset.size", "3");
        first.assertAttributeEquals("record.count", "2");
        first.assertAttributeNotExists("cnn.dataset.index");
        second.assertAttributeEquals("cnn.dataset.id", "listing-b");
        second.assertAttributeEquals("cnn.dataset.size", "4");
        second.assertAttributeEquals("record.count", "1");
        final JsonNode records = new ObjectMapper().readTree(first.getContent());
        assertEquals("a1", records.get(0).get("source").asText());
        assertEquals("a2", records.get(1).get("source").asText());
        runner.assertTransferCount(ExtractImageFeatures.REL_ORIGINAL, 3);
    }

    @Test
    void sendsUndecodableImagesToFailureAndWritesTheOthers() throws Exception {
        runner.setProperty(ExtractImageFeatures.POOLING, FeaturePooling.GLOBAL_AVERAGE.getValue());
        runner.enqueue(kitten, Map.of("filename", "good"));
        runner.enqueue(Arrays.copyOf(kitten, 64), Map.of("filename", "truncated"));
        runner.enqueue(fish, Map.of("filename", "also-good"));
        final JsonNode records = runAndReadRecords(2);
        assertEquals("good", records.get(0).get("source").asText());
        assertEquals("also-good", records.get(1).get("source").asText());
        runner.assertTransferCount(ExtractImageFeatures.REL_ORIGINAL, 2);
        runner.assertTransferCount(ExtractImageFeatures.REL_FAILURE, 1);
        final MockFlowFile failed = runner.getFlowFilesForRelationship(ExtractImageFeatures.REL_FAILURE).getFirst();
        failed.assertAttributeEquals("filename", "truncated");
        assertTrue(failed.getAttribute("cnn.error") != null && !failed.getAttribute("cnn.error").isBlank());
        failed.assertContentEquals(Arrays.copyOf(kitten, 64));
    }

    @Test
    void extractsFc7OfTheGeneratedAlexNetTopologyModel() throws Exception {
        final Path models = Path.of("target", "test-models").toAbsolutePath();
        AlexNetTopologyModel.writeIfAbsent(models);
        // The committed manifest (its SHA-256 checks the generated file), without the ImageNet label file, which is not in the repository.
        final ObjectMapper mapper = new ObjectMapper();
        final ObjectNode manifest = (ObjectNode) mapper.readTree(Path.of("..", "models", "alexnet-topology-random.json").toFile());
        manifest.remove("labels");
        final Path manifestCopy = models.resolve("alexnet-topology-random-nolabels.json");
        Files.write(manifestCopy, mapper.writeValueAsBytes(manifest));

        final TestRunner alexNet = TestRunners.newTestRunner(ExtractImageFeatures.class);
        final OnnxModelService service = new OnnxModelService();
        alexNet.addControllerService("alexnet", service);
        alexNet.setProperty(service, OnnxModelService.MODEL_MANIFEST, manifestCopy.toString());
        alexNet.setProperty(service, OnnxModelService.EXECUTION_PROVIDER, ExecutionProvider.CPU.getValue());
        alexNet.enableControllerService(service);
        final JsonRecordSetWriter writer = new JsonRecordSetWriter();
        alexNet.addControllerService("writer", writer);
        alexNet.enableControllerService(writer);
        alexNet.setProperty(ExtractImageFeatures.MODEL_SERVICE, "alexnet");
        alexNet.setProperty(ExtractImageFeatures.RECORD_WRITER, "writer");
        alexNet.setProperty(ExtractImageFeatures.LAYER, "fc7");
        alexNet.enqueue(kitten, Map.of("filename", "kitten.png", "absolute.path", "/data/cat/"));
        alexNet.enqueue(fish, Map.of("filename", "fish.png", "absolute.path", "/data/fish/"));
        alexNet.run();

        alexNet.assertTransferCount(ExtractImageFeatures.REL_SUCCESS, 1);
        alexNet.assertTransferCount(ExtractImageFeatures.REL_ORIGINAL, 2);
        final MockFlowFile output = alexNet.getFlowFilesForRelationship(ExtractImageFeatures.REL_SUCCESS).getFirst();
        output.assertAttributeEquals("cnn.model.id", "alexnet-topology-random-93d5dc8de5a8");
        output.assertAttributeEquals("cnn.feature.length", "4096");
        final JsonNode records = mapper.readTree(output.getContent());
        assertEquals("cat", records.get(0).get("label").asText());
        assertEquals("fish", records.get(1).get("label").asText());
        for (final JsonNode record : records) {
            final float[] fc7 = floats(record.get("features"));
            assertEquals(4096, fc7.length);
            int active = 0;
            for (final float value : fc7) {
                assertTrue(value >= 0, "fc7 follows a ReLU");
                active += value > 0 ? 1 : 0;
            }
            assertTrue(active > 100 && active < 4096, "active units: " + active);
        }
        alexNet.disableControllerService(service);
    }

    private static float[] floats(final JsonNode array) {
        final float[] values = new float[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).floatValue();
        }
        return values;
    }

    private static void assertArraysClose(final float[] expected, final float[] actual, final float tolerance) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tolerance, "index " + i);
        }
    }

    /** The serving figures of a batch reach the output and the counters; Max Batch Wait holds a partial batch for its wait. */
    @Test
    void writesTheBatchFiguresAndWaitsForAFullerBatchWhenAsked() throws Exception {
        runner.setProperty(ExtractImageFeatures.POOLING, FeaturePooling.GLOBAL_AVERAGE.getValue());
        runner.setProperty(ExtractImageFeatures.BATCH_SIZE, "4");
        runner.setProperty(BatchCollector.MAX_BATCH_WAIT, "250 ms");
        runner.enqueue(kitten);
        runner.enqueue(fish);
        runner.run();
        final MockFlowFile output = runner.getFlowFilesForRelationship(ExtractImageFeatures.REL_SUCCESS).getFirst();
        output.assertAttributeEquals("record.count", "2");
        output.assertAttributeEquals(CnnAttributes.BATCH_SIZE, "2");
        final long waited = Long.parseLong(output.getAttribute(CnnAttributes.BATCH_WAIT_MILLISECONDS));
        assertTrue(waited >= 250 && waited < 2_000, "waited " + waited + " ms");
        assertTrue(Long.parseLong(output.getAttribute(CnnAttributes.INFERENCE_MILLISECONDS)) > 0, output.getAttributes().toString());
        assertEquals(1, runner.getCounterValue(InferenceCounters.BATCHES));
        assertEquals(2, runner.getCounterValue(InferenceCounters.MEAN_BATCH_SIZE));
        assertEquals(waited, runner.getCounterValue(InferenceCounters.BATCH_WAIT_MILLISECONDS));
    }
}

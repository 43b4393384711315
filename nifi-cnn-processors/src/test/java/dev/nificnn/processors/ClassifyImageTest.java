package dev.nificnn.processors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nificnn.image.NpyWriter;
import dev.nificnn.onnx.ExecutionProvider;
import dev.nificnn.onnx.InputPreparer;
import dev.nificnn.onnx.ModelManifest;
import dev.nificnn.services.OnnxModelService;
import dev.nificnn.testing.SharedData;
import org.apache.nifi.provenance.ProvenanceEventRecord;
import org.apache.nifi.provenance.ProvenanceEventType;
import org.apache.nifi.reporting.InitializationException;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Classifies the shared test photos with the real SqueezeNet 1.1 (fp32 and fp16), preprocessed only as the manifest says. */
class ClassifyImageTest {

    private static final String SERVICE_ID = "model";

    private TestRunner runner;
    private byte[] kitten;
    private byte[] fish;

    /** The test manifest of a shared SqueezeNet (squeezenet1.1-fp32.json or -fp16.json). */
    static Path testManifest(final String name) {
        try {
            return Path.of(ClassifyImageTest.class.getResource("/manifests/" + name).toURI());
        } catch (final URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Adds and enables an OnnxModelService on the CPU for a test manifest whose model lives in the shared data. */
    static OnnxModelService addSqueezeNet(final TestRunner runner, final String manifestName) throws InitializationException {
        final OnnxModelService service = new OnnxModelService();
        runner.addControllerService(SERVICE_ID, service);
        runner.setProperty(service, OnnxModelService.MODEL_MANIFEST, testManifest(manifestName).toString());
        runner.setProperty(service, OnnxModelService.MODEL_DIRECTORY, SharedData.require("models").toString());
        runner.setProperty(service, OnnxModelService.EXECUTION_PROVIDER, ExecutionProvider.CPU.getValue());
        runner.setProperty(service, OnnxModelService.INTRA_OP_THREADS, "2");
        runner.enableControllerService(service);
        return service;
    }

    @BeforeEach
    void setUp() throws IOException {
        runner = TestRunners.newTestRunner(ClassifyImage.class);
        runner.setProperty(ClassifyImage.MODEL_SERVICE, SERVICE_ID);
        kitten = Files.readAllBytes(SharedData.require("test-images/kitten_224.png"));
        fish = Files.readAllBytes(SharedData.require("test-images/fish.png"));
    }

    @Test
    void classifiesKittenAndFishWithFloat32() throws Exception {
        addSqueezeNet(runner, "squeezenet1.1-fp32.json");
        assertKittenAndFish("squeezenet1.1-0fccde009e25");
    }

    @Test
    void classifiesKittenAndFishWithFloat16() throws Exception {
        addSqueezeNet(runner, "squeezenet1.1-fp16.json");
        assertKittenAndFish("squeezenet1.1-fp16-21f25e3d9254");
    }

    /** No manifest: the shared SqueezeNet file, its labels and Caffe preprocessing as service properties; the rest is read from the model. */
    @Test
    void classifiesKittenAndFishWithAModelFileDescribedByProperties() throws Exception {
        addSqueezeNetFile(runner, "squeezenet1.1-fp32.onnx");
        assertKittenAndFish("squeezenet1.1-fp32-0fccde009e25");
    }

    @Test
    void classifiesKittenAndFishWithAFloat16ModelFileDescribedByProperties() throws Exception {
        addSqueezeNetFile(runner, "squeezenet1.1-fp16.onnx");
        assertKittenAndFish("squeezenet1.1-fp16-21f25e3d9254");
    }

    private static void addSqueezeNetFile(final TestRunner runner, final String modelFile) throws InitializationException {
        final OnnxModelService service = new OnnxModelService();
        runner.addControllerService(SERVICE_ID, service);
        runner.setProperty(service, OnnxModelService.MODEL_FILE, SharedData.require("models/" + modelFile).toString());
        runner.setProperty(service, OnnxModelService.LABEL_FILE, SharedData.require("models/imagenet-classes.txt").toString());
        runner.setProperty(service, OnnxModelService.CHANNEL_ORDER, "BGR");
        runner.setProperty(service, OnnxModelService.SCALE, "1");
        runner.setProperty(service, OnnxModelService.MEAN, "104,117,123");
        runner.setProperty(service, OnnxModelService.STD, "1,1,1");
        runner.setProperty(service, OnnxModelService.RESIZE_MODE, "STRETCH");
        runner.setProperty(service, OnnxModelService.OUTPUT_KIND, "PROBABILITIES");
        runner.setProperty(service, OnnxModelService.EXECUTION_PROVIDER, ExecutionProvider.CPU.getValue());
        runner.setProperty(service, OnnxModelService.INTRA_OP_THREADS, "2");
        runner.enableControllerService(service);
    }

    private void assertKittenAndFish(final String modelId) throws Exception {
        runner.setProperty(ClassifyImage.TOP_K, "3");
        runner.enqueue(kitten, Map.of("filename", "kitten_224.png"));
        runner.enqueue(fish, Map.of("filename", "fish.png"));
        runner.run();

        runner.assertAllFlowFilesTransferred(ClassifyImage.REL_SUCCESS, 2);
        final MockFlowFile kittenResult = runner.getFlowFilesForRelationship(ClassifyImage.REL_SUCCESS).get(0);
        kittenResult.assertAttributeEquals("cnn.label", "tabby");
        kittenResult.assertAttributeEquals("cnn.label.index", "281");
        assertTrue(Float.parseFloat(kittenResult.getAttribute("cnn.score")) > 0.9f, kittenResult.getAttribute("cnn.score"));
        assertTrue(kittenResult.getAttribute("cnn.score").matches("0\\.\\d{6}"), "one score format: " + kittenResult.getAttribute("cnn.score"));
        kittenResult.assertAttributeEquals("cnn.model.id", modelId);
        kittenResult.assertAttributeEquals("cnn.provider", "CPU");
        kittenResult.assertContentEquals(kitten);
        final JsonNode topK = new ObjectMapper().readTree(kittenResult.getAttribute("cnn.top.k"));
        assertEquals(3, topK.size());
        assertEquals("tabby", topK.get(0).get("label").asText());
        assertEquals(281, topK.get(0).get("index").asInt());
        assertTrue(topK.get(0).get("score").floatValue() >= topK.get(1).get("score").floatValue());
        assertTrue(List.of("Egyptian cat", "tiger cat").contains(topK.get(1).get("label").asText()), topK.toString());

        final MockFlowFile fishResult = runner.getFlowFilesForRelationship(ClassifyImage.REL_SUCCESS).get(1);
        assertTrue(List.of("barracouta", "tench").contains(fishResult.getAttribute("cnn.label")), fishResult.getAttribute("cnn.label"));

        final List<ProvenanceEventRecord> events = runner.getProvenanceEvents();
        assertEquals(2, events.size());
        for (final ProvenanceEventRecord event : events) {
            assertEquals(ProvenanceEventType.ATTRIBUTES_MODIFIED, event.getEventType());
            assertTrue(event.getDetails().contains(modelId) && event.getDetails().endsWith("on CPU"), event.getDetails());
        }
        assertEquals(2, runner.getCounterValue(InferenceCounters.IMAGES));
        assertEquals(1, runner.getCounterValue(InferenceCounters.BATCHES));
    }

    /** fish.png's top-1 (about 0.67) is under the 0.8 threshold, kitten_224.png's (about 0.94) is not; the margin test alone too. */
    @Test
    void sendsUnsurePredictionsToReviewWithTheReason() throws Exception {
        addSqueezeNet(runner, "squeezenet1.1-fp32.json");
        assertFalse(runner.getProcessor().getRelationships().contains(ClassifyImage.REL_REVIEW), "no review relationship while review is off");
        runner.setProperty(ClassifyImage.REVIEW_SCORE_THRESHOLD, "0.8");
        runner.setProperty(ClassifyImage.TOP_K, "1");
        assertTrue(runner.getProcessor().getRelationships().contains(ClassifyImage.REL_REVIEW));
        runner.enqueue(kitten, Map.of("filename", "kitten_224.png"));
        runner.enqueue(fish, Map.of("filename", "fish.png"));
        runner.run();

        runner.assertTransferCount(ClassifyImage.REL_SUCCESS, 1);
        runner.assertTransferCount(ClassifyImage.REL_REVIEW, 1);
        final MockFlowFile confident = runner.getFlowFilesForRelationship(ClassifyImage.REL_SUCCESS).getFirst();
        confident.assertAttributeEquals("filename", "kitten_224.png");
        confident.assertAttributeNotExists(CnnAttributes.REVIEW_REASON);
        final MockFlowFile unsure = runner.getFlowFilesForRelationship(ClassifyImage.REL_REVIEW).getFirst();
        unsure.assertAttributeEquals("filename", "fish.png");
        unsure.assertContentEquals(fish);
        final double score = Double.parseDouble(unsure.getAttribute(CnnAttributes.SCORE));
        assertTrue(score > 0.5 && score < 0.8, "fish.png's top score " + score);
        assertTrue(unsure.getAttribute(CnnAttributes.REVIEW_REASON).startsWith("top score " + unsure.getAttribute(CnnAttributes.SCORE) + " below 0.8"),
                unsure.getAttribute(CnnAttributes.REVIEW_REASON));
        // Top K 1 still measures the margin against the second class.
        final double margin = Double.parseDouble(unsure.getAttribute(CnnAttributes.REVIEW_MARGIN));
        assertTrue(margin > 0 && margin < score, "margin " + margin);
        assertEquals(1, new ObjectMapper().readTree(unsure.getAttribute(CnnAttributes.TOP_K)).size());
        assertEquals(1, runner.getCounterValue("Images sent to review"));

        // The margin test alone: the kitten's top two are far apart, the fish's closer.
        runner.clearTransferState();
        runner.removeProperty(ClassifyImage.REVIEW_SCORE_THRESHOLD);
        runner.setProperty(ClassifyImage.REVIEW_MARGIN, Double.toString(margin + 0.01));
        runner.enqueue(kitten, Map.of("filename", "kitten_224.png"));
        runner.enqueue(fish, Map.of("filename", "fish.png"));
        runner.run();
        runner.assertTransferCount(ClassifyImage.REL_SUCCESS, 1);
        runner.assertTransferCount(ClassifyImage.REL_REVIEW, 1);
        assertTrue(runner.getFlowFilesForRelationship(ClassifyImage.REL_REVIEW).getFirst().getAttribute(CnnAttributes.REVIEW_REASON).startsWith("margin "));
    }

    @Test
    void rejectsAReviewThresholdOutsideZeroToOne() {
        runner.setProperty(ClassifyImage.REVIEW_SCORE_THRESHOLD, "1.5");
        runner.assertNotValid();
        runner.setProperty(ClassifyImage.REVIEW_SCORE_THRESHOLD, "0.5");
        runner.setProperty(ClassifyImage.REVIEW_MARGIN, "-0.1");
        runner.assertNotValid();
    }

    @Test
    void classifiesWithTheCommittedManifestsOfTheSharedModels() throws Exception {
        for (final String name : List.of("squeezenet1.1-shared", "squeezenet1.1-fp16-shared")) {
            final TestRunner committed = TestRunners.newTestRunner(ClassifyImage.class);
            final OnnxModelService service = new OnnxModelService();
            committed.addControllerService(SERVICE_ID, service);
            committed.setProperty(service, OnnxModelService.MODEL_MANIFEST, Path.of("..", "models", name + ".json").toAbsolutePath().toString());
            committed.setProperty(service, OnnxModelService.MODEL_DIRECTORY, SharedData.require("models").toString());
            committed.setProperty(service, OnnxModelService.EXECUTION_PROVIDER, ExecutionProvider.CPU.getValue());
            committed.enableControllerService(service);
            committed.setProperty(ClassifyImage.MODEL_SERVICE, SERVICE_ID);
            committed.enqueue(kitten);
            committed.run();
            committed.assertAllFlowFilesTransferred(ClassifyImage.REL_SUCCESS, 1);
            final MockFlowFile result = committed.getFlowFilesForRelationship(ClassifyImage.REL_SUCCESS).getFirst();
            result.assertAttributeEquals("cnn.label", "tabby");
            assertTrue(result.getAttribute("cnn.model.id").startsWith(name + "-"), result.getAttribute("cnn.model.id"));
            assertTrue(Float.parseFloat(result.getAttribute("cnn.score")) > 0.9f, result.getAttribute("cnn.score"));
        }
    }

    @Test
    void writesJsonContentWhenAsked() throws Exception {
        addSqueezeNet(runner, "squeezenet1.1-fp32.json");
        runner.setProperty(ClassifyImage.OUTPUT_DESTINATION, OutputDestination.CONTENT);
        runner.setProperty(ClassifyImage.TOP_K, "2");
        runner.enqueue(kitten);
        runner.run();

        runner.assertAllFlowFilesTransferred(ClassifyImage.REL_SUCCESS, 1);
        final MockFlowFile result = runner.getFlowFilesForRelationship(ClassifyImage.REL_SUCCESS).getFirst();
        result.assertAttributeEquals("mime.type", "application/json");
        final JsonNode json = new ObjectMapper().readTree(result.getContent());
        assertEquals("tabby", json.get("label").asText());
        assertEquals(281, json.get("index").asInt());
        assertEquals("squeezenet1.1-0fccde009e25", json.get("model").asText());
        assertEquals("CPU", json.get("provider").asText());
        assertEquals(2, json.get("top_k").size());
        assertEquals(json.get("score").floatValue(), Float.parseFloat(result.getAttribute("cnn.score")), 0f);
        assertEquals(ProvenanceEventType.CONTENT_MODIFIED, runner.getProvenanceEvents().getFirst().getEventType());
    }

    @Test
    void classifiesNpyTensorsLikeTheImagesTheyCameFrom() throws Exception {
        addSqueezeNet(runner, "squeezenet1.1-fp32.json");
        final ModelManifest.Input input = ModelManifest.read(testManifest("squeezenet1.1-fp32.json")).input();
        final FloatBuffer values = FloatBuffer.allocate(input.valuesPerImage());
        new InputPreparer(input, 1_000_000).write(kitten, values);
        runner.enqueue(NpyWriter.write(values.array(), new int[]{1, 3, 224, 224}));
        runner.enqueue(NpyWriter.write(values.array(), new int[]{3, 224, 224}));
        runner.enqueue(kitten);
        runner.run();

        runner.assertAllFlowFilesTransferred(ClassifyImage.REL_SUCCESS, 3);
        final List<MockFlowFile> results = runner.getFlowFilesForRelationship(ClassifyImage.REL_SUCCESS);
        for (final MockFlowFile result : results) {
            result.assertAttributeEquals("cnn.label", "tabby");
            result.assertAttributeEquals("cnn.top.k", results.get(2).getAttribute("cnn.top.k"));
        }
    }

    @Test
    void routesBadInputToFailureAndKeepsTheRestOfTheBatch() throws Exception {
        addSqueezeNet(runner, "squeezenet1.1-fp32.json");
        final byte[] truncated = Arrays.copyOf(kitten, 100);
        final byte[] wrongShape = NpyWriter.write(new float[3 * 32 * 32], new int[]{3, 32, 32});
        final byte[] npyHeaderOnly = Arrays.copyOf(wrongShape, 20);
        runner.enqueue(kitten, Map.of("filename", "good-1"));
        runner.enqueue(truncated, Map.of("filename", "truncated"));
        runner.enqueue("not an image at all", Map.of("filename", "text"));
        runner.enqueue(wrongShape, Map.of("filename", "wrong-shape"));
        runner.enqueue(npyHeaderOnly, Map.of("filename", "broken-npy"));
        runner.enqueue(fish, Map.of("filename", "good-2"));
        runner.run();

        runner.assertTransferCount(ClassifyImage.REL_SUCCESS, 2);
        runner.assertTransferCount(ClassifyImage.REL_FAILURE, 4);
        assertEquals("tabby", runner.getFlowFilesForRelationship(ClassifyImage.REL_SUCCESS).get(0).getAttribute("cnn.label"));
        // The fish came sixth, after four rejected inputs: its tensor was moved up beside the kitten's, not mixed up with theirs.
        final MockFlowFile fishResult = runner.getFlowFilesForRelationship(ClassifyImage.REL_SUCCESS).get(1);
        fishResult.assertAttributeEquals("filename", "good-2");
        fishResult.assertAttributeEquals("cnn.label", "barracouta");
        for (final MockFlowFile failed : runner.getFlowFilesForRelationship(ClassifyImage.REL_FAILURE)) {
            final String error = failed.getAttribute("cnn.error");
            assertTrue(error != null && !error.isBlank(), failed.getAttribute("filename"));
            failed.assertAttributeNotExists("cnn.label");
        }
        final MockFlowFile wrong = runner.getFlowFilesForRelationship(ClassifyImage.REL_FAILURE).stream()
                .filter(flowFile -> "wrong-shape".equals(flowFile.getAttribute("filename"))).findFirst().orElseThrow();
        assertTrue(wrong.getAttribute("cnn.error").contains("[3, 32, 32]") && wrong.getAttribute("cnn.error").contains("[3, 224, 224]"),
                wrong.getAttribute("cnn.error"));
        assertEquals(6, runner.getCounterValue(InferenceCounters.IMAGES));
        assertEquals(4, runner.getCounterValue(InferenceCounters.IMAGES_FAILED));
    }

    @Test
    void gathersBatchSizeFlowFilesPerInference() throws Exception {
        addSqueezeNet(runner, "squeezenet1.1-fp32.json");
        runner.setProperty(ClassifyImage.BATCH_SIZE, "2");
        for (int i = 0; i < 5; i++) {
            runner.enqueue(kitten);
        }
        runner.run(3);
        runner.assertAllFlowFilesTransferred(ClassifyImage.REL_SUCCESS, 5);
        assertEquals(3, runner.getCounterValue(InferenceCounters.BATCHES));
        assertEquals(5, runner.getCounterValue(InferenceCounters.IMAGES));
    }

    /** Without a Max Batch Wait (the default) a partial batch runs at once: what is queued, nothing waited for. */
    @Test
    void aPartialBatchRunsAtOnceByDefault() throws Exception {
        addSqueezeNet(runner, "squeezenet1.1-fp32.json");
        runner.setProperty(ClassifyImage.BATCH_SIZE, "8");
        for (int i = 0; i < 3; i++) {
            runner.enqueue(kitten);
        }
        runner.run();
        runner.assertAllFlowFilesTransferred(ClassifyImage.REL_SUCCESS, 3);
        for (final MockFlowFile flowFile : runner.getFlowFilesForRelationship(ClassifyImage.REL_SUCCESS)) {
            flowFile.assertAttributeEquals(CnnAttributes.BATCH_SIZE, "3");
            flowFile.assertAttributeEquals(CnnAttributes.BATCH_WAIT_MILLISECONDS, "0");
            assertTrue(Long.parseLong(flowFile.getAttribute(CnnAttributes.INFERENCE_MILLISECONDS)) > 0, flowFile.getAttributes().toString());
        }
        assertEquals(1, runner.getCounterValue(InferenceCounters.BATCHES));
        assertEquals(3, runner.getCounterValue(InferenceCounters.MEAN_BATCH_SIZE));
        assertEquals(0, runner.getCounterValue(InferenceCounters.BATCH_WAIT_MILLISECONDS));
        assertTrue(runner.getCounterValue(InferenceCounters.MEAN_PREPARE_MICROSECONDS_PER_IMAGE) > 0);
        assertTrue(runner.getCounterValue(InferenceCounters.MEAN_INFERENCE_MICROSECONDS_PER_IMAGE) > 0);
    }

    /** A slow trickle (one image every 40 ms) with Max Batch Wait: the images wait for each other and run as one full batch. */
    @Test
    void maxBatchWaitGathersASlowTrickleIntoFullBatches() throws Exception {
        addSqueezeNet(runner, "squeezenet1.1-fp32.json");
        runner.setProperty(ClassifyImage.BATCH_SIZE, "6");
        runner.setProperty(BatchCollector.MAX_BATCH_WAIT, "10 sec");
        runner.enqueue(kitten);
        // The trickle begins once the task has taken the first image, however long a busy machine takes to start it.
        final Thread trickle = Thread.ofPlatform().start(() -> {
            try {
                while (runner.getQueueSize().getObjectCount() > 0) {
                    Thread.sleep(1);
                }
                for (int i = 0; i < 11; i++) {
                    Thread.sleep(40);
                    runner.enqueue(fish);
                }
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        final long started = System.nanoTime();
        runner.run(1, false, true);
        // The second task starts once an image is queued for it: a task that finds the queue empty returns at once, and on a
        // busy machine the first batch may finish before the next image of the trickle arrives.
        while (runner.getQueueSize().getObjectCount() == 0 && trickle.isAlive()) {
            Thread.sleep(1);
        }
        runner.run(1, true, false);
        final long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
        trickle.join();
        runner.assertAllFlowFilesTransferred(ClassifyImage.REL_SUCCESS, 12);
        assertEquals(2, runner.getCounterValue(InferenceCounters.BATCHES));
        assertEquals(6, runner.getCounterValue(InferenceCounters.MEAN_BATCH_SIZE));
        for (final MockFlowFile flowFile : runner.getFlowFilesForRelationship(ClassifyImage.REL_SUCCESS)) {
            flowFile.assertAttributeEquals(CnnAttributes.BATCH_SIZE, "6");
        }
        // The first batch waited for five more images arriving 40 ms apart (at least 200 ms), the second for what was still to
        // come; each wait ended when its batch was full, far from the 10 s allowed.
        final long firstBatchWait = runner.getFlowFilesForRelationship(ClassifyImage.REL_SUCCESS).stream()
                .mapToLong(flowFile -> Long.parseLong(flowFile.getAttribute(CnnAttributes.BATCH_WAIT_MILLISECONDS))).max().orElseThrow();
        assertTrue(firstBatchWait >= 190, "waited " + firstBatchWait + " ms");
        final long waited = runner.getCounterValue(InferenceCounters.BATCH_WAIT_MILLISECONDS);
        assertTrue(waited >= firstBatchWait && waited < 5_000, "waited " + waited + " ms in all");
        assertTrue(elapsedMillis < 5_000, "took " + elapsedMillis + " ms");
    }

    /** With Max Batch Wait and nothing more arriving, the partial batch runs when the wait ends. */
    @Test
    void maxBatchWaitRunsAPartialBatchWhenTheWaitEnds() throws Exception {
        addSqueezeNet(runner, "squeezenet1.1-fp32.json");
        runner.setProperty(ClassifyImage.BATCH_SIZE, "8");
        runner.setProperty(BatchCollector.MAX_BATCH_WAIT, "300 ms");
        runner.enqueue(kitten);
        runner.enqueue(fish);
        runner.run();
        runner.assertAllFlowFilesTransferred(ClassifyImage.REL_SUCCESS, 2);
        final long waited = Long.parseLong(runner.getFlowFilesForRelationship(ClassifyImage.REL_SUCCESS).getFirst()
                .getAttribute(CnnAttributes.BATCH_WAIT_MILLISECONDS));
        assertTrue(waited >= 300 && waited < 2_000, "waited " + waited + " ms");
        assertEquals(2, runner.getCounterValue(InferenceCounters.MEAN_BATCH_SIZE));
    }

    @Test
    void maxBatchWaitIsValidated() throws Exception {
        addSqueezeNet(runner, "squeezenet1.1-fp32.json");
        runner.setProperty(BatchCollector.MAX_BATCH_WAIT, "2 min");
        runner.assertNotValid();
        runner.setProperty(BatchCollector.MAX_BATCH_WAIT, "50 ms");
        runner.assertValid();
    }
}

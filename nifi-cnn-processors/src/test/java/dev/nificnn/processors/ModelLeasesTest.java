package dev.nificnn.processors;

import dev.nificnn.classifier.ClassifierModel;
import dev.nificnn.onnx.ModelLease;
import dev.nificnn.onnx.ModelUnavailableException;
import dev.nificnn.onnx.OnnxModel;
import dev.nificnn.services.ImageClassifierProvider;
import dev.nificnn.services.OnnxModelProvider;
import org.apache.nifi.controller.AbstractControllerService;
import org.apache.nifi.json.JsonRecordSetWriter;
import org.apache.nifi.json.JsonTreeReader;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;

import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A model service that is being disabled while a batch starts: the inference processors and ScoreImageClassifier hand the
 * batch back to the queue and yield, sending nothing to failure, since nothing is wrong with the FlowFiles.
 */
class ModelLeasesTest {

    /** A model service whose every call throws what {@code failure} makes. */
    static final class ThrowingModelService extends AbstractControllerService implements OnnxModelProvider {
        private final Supplier<RuntimeException> failure;

        ThrowingModelService(final Supplier<RuntimeException> failure) {
            this.failure = failure;
        }

        @Override
        public ModelLease acquire() {
            throw failure.get();
        }

        @Override
        public OnnxModel currentModel() {
            throw failure.get();
        }

        @Override
        public long sessionsCreated() {
            return 0;
        }
    }

    @Test
    void classifyImageReturnsTheBatchAndYields() throws Exception {
        final TestRunner runner = TestRunners.newTestRunner(ClassifyImage.class);
        addDisablingService(runner);
        runner.setProperty(ClassifyImage.MODEL_SERVICE, "model");
        assertBatchReturned(runner);
    }

    @Test
    void extractImageFeaturesReturnsTheBatchAndYields() throws Exception {
        final TestRunner runner = TestRunners.newTestRunner(ExtractImageFeatures.class);
        addDisablingService(runner);
        final JsonRecordSetWriter writer = new JsonRecordSetWriter();
        runner.addControllerService("writer", writer);
        runner.enableControllerService(writer);
        runner.setProperty(ExtractImageFeatures.MODEL_SERVICE, "model");
        runner.setProperty(ExtractImageFeatures.RECORD_WRITER, "writer");
        runner.setProperty(ExtractImageFeatures.LAYER, "fc7");
        assertBatchReturned(runner);
    }

    @Test
    void scoreImageClassifierReturnsTheFlowFileAndYields() throws Exception {
        final TestRunner runner = TestRunners.newTestRunner(ScoreImageClassifier.class);
        // Answers like ClassifierModelService once it is disabled.
        final DisabledClassifierService service = new DisabledClassifierService();
        runner.addControllerService("classifier", service);
        runner.enableControllerService(service);
        final JsonTreeReader reader = new JsonTreeReader();
        runner.addControllerService("reader", reader);
        runner.enableControllerService(reader);
        final JsonRecordSetWriter writer = new JsonRecordSetWriter();
        runner.addControllerService("writer", writer);
        runner.enableControllerService(writer);
        runner.setProperty(ScoreImageClassifier.CLASSIFIER_MODEL_SERVICE, "classifier");
        runner.setProperty(ScoreImageClassifier.RECORD_READER, "reader");
        runner.setProperty(ScoreImageClassifier.RECORD_WRITER, "writer");
        runner.enqueue("[{\"features\": [1, 2, 3]}]");
        runner.run();
        assertEquals(0, runner.getFlowFilesForRelationship("failure").size());
        assertEquals(0, runner.getFlowFilesForRelationship("success").size());
        assertEquals(1, runner.getQueueSize().getObjectCount(), "the FlowFile is back in the queue");
        assertTrue(runner.isYieldCalled());
    }

    static final class DisabledClassifierService extends AbstractControllerService implements ImageClassifierProvider {
        @Override
        public ClassifierModel getClassifier() {
            throw new ModelUnavailableException("ClassifierModelService is not enabled");
        }
    }

    @Test
    void anotherIllegalStateIsNotMistakenForADisablingService() throws Exception {
        final TestRunner runner = TestRunners.newTestRunner(ClassifyImage.class);
        // A service failing for another reason (a bug): that is no "model unavailable" and must not be hidden as one.
        final ThrowingModelService service = new ThrowingModelService(() -> new IllegalStateException("a bug in the service"));
        runner.addControllerService("model", service);
        runner.enableControllerService(service);
        runner.setProperty(ClassifyImage.MODEL_SERVICE, "model");
        runner.enqueue(new byte[] {1});
        final Throwable thrown = assertThrows(Throwable.class, () -> runner.run());
        boolean bugReported = false;
        for (Throwable cause = thrown; cause != null; cause = cause.getCause()) {
            bugReported |= cause instanceof IllegalStateException && "a bug in the service".equals(cause.getMessage());
        }
        assertTrue(bugReported, "the service's exception surfaces: " + thrown);
        assertFalse(runner.isYieldCalled(), "a bug is not a reason to return the batch quietly");
    }

    private static void addDisablingService(final TestRunner runner) throws Exception {
        // Answers like OnnxModelService between the start of its disabling and its end.
        final ThrowingModelService service = new ThrowingModelService(() -> new ModelUnavailableException("OnnxModelService is not enabled"));
        runner.addControllerService("model", service);
        runner.enableControllerService(service);
    }

    private static void assertBatchReturned(final TestRunner runner) {
        for (int i = 0; i < 3; i++) {
            runner.enqueue(new byte[] {(byte) i});
        }
        runner.run();
        assertEquals(0, runner.getFlowFilesForRelationship("failure").size());
        assertEquals(0, runner.getFlowFilesForRelationship("success").size());
        assertEquals(3, runner.getQueueSize().getObjectCount(), "the whole batch is back in the queue");
        assertTrue(runner.isYieldCalled(), "the processor yields instead of spinning on a service that is going away");
    }
}

package dev.nificnn.processors;

import dev.nificnn.onnx.ExecutionProvider;
import dev.nificnn.onnx.TinyModels;
import dev.nificnn.services.OnnxModelService;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Four concurrent tasks over one service: conservation of FlowFiles, one session, results equal to a single task's. */
class ConcurrentClassificationTest {

    private static final int FLOW_FILES = 10_000;

    @TempDir
    Path directory;

    private TestRunner runner(final Path manifest) throws Exception {
        return runner(manifest, "0 sec");
    }

    private TestRunner runner(final Path manifest, final String checkInterval) throws Exception {
        final TestRunner runner = TestRunners.newTestRunner(ClassifyImage.class);
        final OnnxModelService service = new OnnxModelService();
        runner.addControllerService("model", service);
        runner.setProperty(service, OnnxModelService.MODEL_MANIFEST, manifest.toString());
        runner.setProperty(service, OnnxModelService.EXECUTION_PROVIDER, ExecutionProvider.CPU.getValue());
        runner.setProperty(service, OnnxModelService.INTRA_OP_THREADS, "1");
        runner.setProperty(service, OnnxModelService.MODEL_CHECK_INTERVAL, checkInterval);
        runner.enableControllerService(service);
        runner.setProperty(ClassifyImage.MODEL_SERVICE, "model");
        runner.setProperty(ClassifyImage.TOP_K, "3");
        return runner;
    }

    /** Runs all FlowFiles through with the given number of tasks; returns index to cnn.top.k. */
    private Map<String, String> classifyAll(final TestRunner runner, final int threads) {
        for (int i = 0; i < FLOW_FILES; i++) {
            runner.enqueue(TinyModels.npy(i, false), Map.of("index", Integer.toString(i)));
        }
        runner.setThreadCount(threads);
        runner.run(FLOW_FILES / 32 + 2 * threads);
        assertEquals(0, runner.getQueueSize().getObjectCount());
        runner.assertAllFlowFilesTransferred(ClassifyImage.REL_SUCCESS, FLOW_FILES);
        final Map<String, String> results = new HashMap<>();
        for (final MockFlowFile flowFile : runner.getFlowFilesForRelationship(ClassifyImage.REL_SUCCESS)) {
            assertNull(results.put(flowFile.getAttribute("index"), flowFile.getAttribute("cnn.top.k")), "FlowFile out twice");
        }
        return results;
    }

    @Test
    void fourTasksClassifyEveryFlowFileExactlyOnceLikeOneTask() throws Exception {
        final Path manifest = TinyModels.write(directory, 1f);
        final TestRunner concurrent = runner(manifest);
        final Map<String, String> concurrentResults = classifyAll(concurrent, 4);
        final OnnxModelService service = (OnnxModelService) concurrent.getControllerService("model");
        assertEquals(1, service.sessionsCreated());
        assertEquals(FLOW_FILES, concurrent.getCounterValue(InferenceCounters.IMAGES));

        // Another check interval: a service of its own, so the reference results come from a separate session.
        final TestRunner single = runner(manifest, "1 min");
        final Map<String, String> singleResults = classifyAll(single, 1);
        assertNotSame(service.currentModel(), ((OnnxModelService) single.getControllerService("model")).currentModel());
        assertEquals(FLOW_FILES, concurrentResults.size());
        assertEquals(singleResults, concurrentResults);
        final Set<String> labels = new HashSet<>();
        concurrentResults.values().forEach(topK -> labels.add(topK.substring(0, topK.indexOf(',')))); 
        assertTrue(labels.size() > 1, "the tiny model tells inputs apart: " + labels);
    }

    @Test
    void replacingTheModelWhileRunningReloadsWithoutFailures() throws Exception {
        final Path manifest = TinyModels.write(directory, 1f);
        final TestRunner runner = runner(manifest);
        runner.setThreadCount(4);
        runner.setProperty(ClassifyImage.BATCH_SIZE, "16");
        for (int i = 0; i < 2_000; i++) {
            runner.enqueue(TinyModels.npy(i % 50, false), Map.of("index", Integer.toString(i)));
        }
        runner.run(40, false, true);
        TinyModels.writeModel(directory, 5f);
        runner.run(200, true, false);

        assertEquals(0, runner.getQueueSize().getObjectCount());
        runner.assertAllFlowFilesTransferred(ClassifyImage.REL_SUCCESS, 2_000);
        final OnnxModelService service = (OnnxModelService) runner.getControllerService("model");
        assertEquals(2, service.sessionsCreated());
        final List<MockFlowFile> results = runner.getFlowFilesForRelationship(ClassifyImage.REL_SUCCESS);
        final Set<String> modelIds = new HashSet<>();
        results.forEach(flowFile -> modelIds.add(flowFile.getAttribute("cnn.model.id")));
        assertEquals(2, modelIds.size(), modelIds.toString());
        // The first FlowFile ran on the first model, the last on the replacement, and they disagree on the same input.
        final MockFlowFile first = results.getFirst();
        final MockFlowFile last = results.stream().filter(flowFile -> flowFile.getAttribute("index").equals("1950")).findFirst().orElseThrow();
        assertNotEquals(first.getAttribute("cnn.model.id"), last.getAttribute("cnn.model.id"));
        assertNotEquals(first.getAttribute("cnn.top.k"), last.getAttribute("cnn.top.k"));
    }
}

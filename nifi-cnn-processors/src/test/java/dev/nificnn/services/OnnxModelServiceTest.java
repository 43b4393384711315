package dev.nificnn.services;

import dev.nificnn.onnx.ExecutionProvider;
import dev.nificnn.onnx.ModelLease;
import dev.nificnn.onnx.ModelUnavailableException;
import dev.nificnn.onnx.OnnxSessionFactory;
import dev.nificnn.onnx.OptimizationLevel;
import dev.nificnn.onnx.SessionSettings;
import dev.nificnn.onnx.TinyModels;
import dev.nificnn.testing.SharedData;
import org.apache.nifi.components.ConfigVerificationResult;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.util.LogMessage;
import org.apache.nifi.util.MockConfigurationContext;
import org.apache.nifi.util.NoOpProcessor;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OnnxModelServiceTest {

    @TempDir
    Path directory;

    private TestRunner runner;
    private OnnxModelService service;

    @BeforeEach
    void setUp() throws Exception {
        runner = TestRunners.newTestRunner(NoOpProcessor.class);
        service = new OnnxModelService();
        runner.addControllerService("model", service);
    }

    private static Path squeezeNetManifest() throws URISyntaxException {
        return Path.of(OnnxModelServiceTest.class.getResource("/manifests/squeezenet1.1-fp32.json").toURI());
    }

    private List<ConfigVerificationResult> verify(final Map<PropertyDescriptor, String> properties) {
        final MockConfigurationContext context = new MockConfigurationContext(service, properties, runner.getProcessContext().getControllerServiceLookup(),
                Map.of());
        return service.verify(context, runner.getLogger(), Map.of());
    }

    @Test
    void verifyReportsInputsOutputsTapsAndProvider() throws Exception {
        final Map<PropertyDescriptor, String> properties = new HashMap<>();
        properties.put(OnnxModelService.MODEL_MANIFEST, squeezeNetManifest().toString());
        properties.put(OnnxModelService.MODEL_DIRECTORY, SharedData.require("models").toString());
        properties.put(OnnxModelService.EXECUTION_PROVIDER, ExecutionProvider.CPU.getValue());
        final List<ConfigVerificationResult> results = verify(properties);

        assertEquals(3, results.size(), results.toString());
        results.forEach(result -> assertEquals(ConfigVerificationResult.Outcome.SUCCESSFUL, result.getOutcome(), result.getExplanation()));
        final String loaded = results.get(1).getExplanation();
        assertTrue(loaded.contains("model squeezenet1.1-0fccde009e25 on CPU"), loaded);
        assertTrue(loaded.contains("input data_0 float32 [1, 3, 224, 224] (fixed batch 1)"), loaded);
        assertTrue(loaded.contains("softmaxout_1[1, 1000, 1, 1]"), loaded);
        assertTrue(loaded.contains("fire9=fire9/concat_1"), loaded);
        assertTrue(loaded.contains("1000 labels"), loaded);
        assertEquals("Asked for CPU, running on CPU with the " + System.getProperty("nificnn.expected.onnxruntime.build", "CPU")
                + " build of ONNX Runtime", results.get(2).getExplanation());
    }

    @Test
    void verifyNamesWhatIsWrong() throws Exception {
        final Map<PropertyDescriptor, String> properties = new HashMap<>();
        properties.put(OnnxModelService.MODEL_MANIFEST, squeezeNetManifest().toString());
        properties.put(OnnxModelService.MODEL_DIRECTORY, directory.toString());
        final List<ConfigVerificationResult> results = verify(properties);
        assertEquals(ConfigVerificationResult.Outcome.FAILED, results.get(1).getOutcome());
        assertTrue(results.get(1).getExplanation().contains("squeezenet1.1-fp32.onnx named by manifest"), results.get(1).getExplanation());

        Files.writeString(directory.resolve("broken.json"), "{\"name\": \"x\"}");
        properties.put(OnnxModelService.MODEL_MANIFEST, directory.resolve("broken.json").toString());
        final List<ConfigVerificationResult> broken = verify(properties);
        assertEquals(ConfigVerificationResult.Outcome.FAILED, broken.getFirst().getOutcome());
        assertTrue(broken.getFirst().getExplanation().endsWith("required key 'file' is missing"), broken.getFirst().getExplanation());
    }

    @Test
    void validatesManifestModelFileAndTaps() throws Exception {
        final Path manifest = TinyModels.write(directory, 1f);
        runner.setProperty(service, OnnxModelService.MODEL_MANIFEST, manifest.toString());
        runner.setProperty(service, OnnxModelService.EXECUTION_PROVIDER, ExecutionProvider.CPU.getValue());
        runner.assertValid(service);
        runner.setProperty(service, OnnxModelService.ADDITIONAL_LAYER_TAPS, "logits");
        runner.assertNotValid(service);
        runner.setProperty(service, OnnxModelService.ADDITIONAL_LAYER_TAPS, "logits=logits, pooled = pooled");
        runner.assertValid(service);
        Files.delete(directory.resolve(TinyModels.MODEL_FILE));
        runner.assertNotValid(service);
    }

    @Test
    void needsEitherAManifestOrAModelFile() throws Exception {
        final Path manifest = TinyModels.write(directory, 1f);
        runner.setProperty(service, OnnxModelService.EXECUTION_PROVIDER, ExecutionProvider.CPU.getValue());
        runner.assertNotValid(service);
        runner.setProperty(service, OnnxModelService.MODEL_FILE, directory.resolve(TinyModels.MODEL_FILE).toString());
        runner.assertValid(service);
        runner.setProperty(service, OnnxModelService.MODEL_MANIFEST, manifest.toString());
        runner.assertNotValid(service);
        runner.removeProperty(service, OnnxModelService.MODEL_FILE);
        runner.assertValid(service);
    }

    @Test
    void modelFileModeValidatesPreprocessingNumbers() throws Exception {
        TinyModels.writeModel(directory, 1f);
        runner.setProperty(service, OnnxModelService.MODEL_FILE, directory.resolve(TinyModels.MODEL_FILE).toString());
        runner.setProperty(service, OnnxModelService.EXECUTION_PROVIDER, ExecutionProvider.CPU.getValue());
        runner.assertValid(service);
        for (final String[] bad : new String[][] {{"Mean", "0.5,0.5"}, {"Std", "1,0,1"}, {"Std", "-1,1,1"}, {"Std", "-0,1,1"},
            {"Scale", "0"}, {"Scale", "-0.0"}, {"Mean", "a,b,c"}, {"Scale", "NaN"}}) {
            final PropertyDescriptor property = service.getPropertyDescriptor(bad[0]);
            runner.setProperty(service, property, bad[1]);
            runner.assertNotValid(service);
            runner.removeProperty(service, property);
            runner.assertValid(service);
        }
    }

    /** Without a manifest: the tiny model's file, its labels, and preprocessing by properties; input and output read from the graph. */
    @Test
    void loadsAModelFileDescribedByPropertiesAndReloadsItWhenReplaced() throws Exception {
        TinyModels.write(directory, 1f);
        final Map<PropertyDescriptor, String> properties = new HashMap<>();
        properties.put(OnnxModelService.MODEL_FILE, directory.resolve(TinyModels.MODEL_FILE).toString());
        properties.put(OnnxModelService.LABEL_FILE, directory.resolve("tiny-labels.txt").toString());
        properties.put(OnnxModelService.SCALE, "1");
        properties.put(OnnxModelService.MEAN, "0,0,0");
        properties.put(OnnxModelService.STD, "1,1,1");
        properties.put(OnnxModelService.OUTPUT_KIND, "PROBABILITIES");
        properties.put(OnnxModelService.EXECUTION_PROVIDER, ExecutionProvider.CPU.getValue());
        final List<ConfigVerificationResult> results = verify(properties);
        assertEquals("Describe Model File", results.getFirst().getVerificationStepName());
        results.forEach(result -> assertEquals(ConfigVerificationResult.Outcome.SUCCESSFUL, result.getOutcome(), result.getExplanation()));
        assertTrue(results.getFirst().getExplanation().contains("input Input[image float32 NCHW 8x8 RGB scale 1.0 mean [0.0, 0.0, 0.0]"),
                results.getFirst().getExplanation());
        assertTrue(results.get(1).getExplanation().contains("3 labels"), results.get(1).getExplanation());

        properties.forEach((property, value) -> runner.setProperty(service, property, value));
        runner.setProperty(service, OnnxModelService.MODEL_CHECK_INTERVAL, "0 sec");
        runner.enableControllerService(service);
        final String first;
        try (ModelLease lease = service.acquire()) {
            first = lease.model().modelId();
            assertTrue(first.startsWith("tiny-"), first);
            assertEquals(TinyModels.LABELS, lease.model().labels());
            assertEquals("probabilities", lease.model().manifest().output().name());
        }
        TinyModels.writeModel(directory, 2f);
        try (ModelLease lease = service.acquire()) {
            assertTrue(lease.model().modelId().startsWith("tiny-"));
            assertTrue(!lease.model().modelId().equals(first), "the replaced file is loaded: " + lease.model().modelId());
        }
        assertEquals(2, service.sessionsCreated());
    }

    @Test
    void verifySaysWhyAModelFileCannotBeDescribed() throws Exception {
        final Path text = Files.writeString(directory.resolve("notes.onnx"), "not a model");
        final List<ConfigVerificationResult> results = verify(Map.of(OnnxModelService.MODEL_FILE, text.toString(),
                OnnxModelService.EXECUTION_PROVIDER, ExecutionProvider.CPU.getValue()));
        assertEquals(ConfigVerificationResult.Outcome.FAILED, results.getFirst().getOutcome());
        assertTrue(results.getFirst().getExplanation().contains("is not a readable ONNX model"), results.getFirst().getExplanation());
        assertEquals(ConfigVerificationResult.Outcome.SKIPPED, results.get(1).getOutcome());
    }

    @Test
    void sharesOneSessionAndServesAdditionalTaps() throws Exception {
        runner.setProperty(service, OnnxModelService.MODEL_MANIFEST, TinyModels.write(directory, 1f).toString());
        runner.setProperty(service, OnnxModelService.EXECUTION_PROVIDER, ExecutionProvider.CPU.getValue());
        runner.setProperty(service, OnnxModelService.ADDITIONAL_LAYER_TAPS, "logits=logits");
        runner.enableControllerService(service);
        try (ModelLease first = service.acquire(); ModelLease second = service.acquire()) {
            assertEquals(first.model(), second.model());
            assertEquals("logits", first.model().resolveLayer("logits"));
            assertEquals("features", first.model().resolveLayer("features"));
        }
        assertEquals(1, service.sessionsCreated());
        runner.disableControllerService(service);
        assertThrows(ModelUnavailableException.class, service::acquire);
    }

    @Test
    void servicesConfiguredAlikeShareOneSessionUntilTheLastIsDisabled() throws Exception {
        final Path manifest = TinyModels.write(directory, 1f);
        final OnnxModelService other = new OnnxModelService();
        runner.addControllerService("other", other);
        for (final OnnxModelService each : List.of(service, other)) {
            runner.setProperty(each, OnnxModelService.MODEL_MANIFEST, manifest.toString());
            runner.setProperty(each, OnnxModelService.EXECUTION_PROVIDER, ExecutionProvider.CPU.getValue());
            runner.setProperty(each, OnnxModelService.INTRA_OP_THREADS, "1");
            runner.enableControllerService(each);
        }
        assertSame(service.currentModel(), other.currentModel());
        assertEquals(1, service.sessionsCreated());
        final ModelLease lease = other.acquire();
        runner.disableControllerService(service);
        try (ModelLease again = other.acquire()) {
            assertSame(lease.model(), again.model());
        }
        lease.close();
        runner.disableControllerService(other);
        assertThrows(ModelUnavailableException.class, other::acquire);

        // Once both let go, enabling loads afresh.
        runner.enableControllerService(service);
        assertNotSame(lease.model(), service.currentModel());
    }

    @Test
    void autoFallsBackToTheCpuWithOneWarningWhenCudaCannotLoad() throws Exception {
        final String cudaProblem = OnnxSessionFactory.checkGpuProvider(new SessionSettings(ExecutionProvider.CUDA, 0, 0, 1, OptimizationLevel.ALL));
        runner.setProperty(service, OnnxModelService.MODEL_MANIFEST, TinyModels.write(directory, 1f).toString());
        runner.setProperty(service, OnnxModelService.EXECUTION_PROVIDER, ExecutionProvider.AUTO.getValue());
        runner.enableControllerService(service);
        final List<LogMessage> warnings = runner.getControllerServiceLogger("model").getWarnMessages();
        if (cudaProblem == null) {
            assertEquals(ExecutionProvider.CUDA, service.currentModel().activeProvider());
            assertTrue(warnings.isEmpty());
        } else {
            assertEquals(ExecutionProvider.CPU, service.currentModel().activeProvider());
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(warnings.getFirst().getMsg().contains("CUDA could not be loaded, running on the CPU"), warnings.getFirst().getMsg());
        }
    }

    @Test
    void cudaModeFailsValidationWithTheLoadersMessageWhenCudaCannotLoad() throws Exception {
        final String cudaProblem = OnnxSessionFactory.checkGpuProvider(new SessionSettings(ExecutionProvider.CUDA, 0, 0, 1, OptimizationLevel.ALL));
        runner.setProperty(service, OnnxModelService.MODEL_MANIFEST, TinyModels.write(directory, 1f).toString());
        runner.setProperty(service, OnnxModelService.EXECUTION_PROVIDER, ExecutionProvider.CUDA.getValue());
        if (cudaProblem == null) {
            runner.assertValid(service);
        } else {
            runner.assertNotValid(service);
            // The CPU build (nifi-cnn-nar) points to the GPU NAR; the GPU build without CUDA names the libraries it needs.
            final String hint = OnnxSessionFactory.ONNX_RUNTIME_BUILD.equals("CPU") ? "nifi-cnn-gpu-nar" : "libcudnn.so.9";
            assertTrue(cudaProblem.contains("CUDA") && cudaProblem.contains(hint), cudaProblem);
        }
    }

    /** The build on the test classpath is the one this run means to test: CPU by default, GPU in the gpu-build execution. */
    @Test
    void theExpectedOnnxRuntimeBuildIsLoaded() {
        assertEquals(System.getProperty("nificnn.expected.onnxruntime.build", "CPU"), OnnxSessionFactory.ONNX_RUNTIME_BUILD);
    }
}

package dev.nificnn.services;

import dev.nificnn.onnx.ExecutionProvider;
import dev.nificnn.onnx.ModelLease;
import dev.nificnn.onnx.ModelLoadException;
import dev.nificnn.onnx.ModelLoader;
import dev.nificnn.onnx.ModelManifest;
import dev.nificnn.onnx.OnnxModel;
import dev.nificnn.onnx.OnnxSessionFactory;
import dev.nificnn.onnx.OptimizationLevel;
import dev.nificnn.onnx.SharedModels;
import dev.nificnn.onnx.SessionSettings;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.annotation.lifecycle.OnDisabled;
import org.apache.nifi.annotation.lifecycle.OnEnabled;
import org.apache.nifi.components.ConfigVerificationResult;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.ValidationContext;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.controller.AbstractControllerService;
import org.apache.nifi.controller.ConfigurationContext;
import org.apache.nifi.controller.VerifiableControllerService;
import org.apache.nifi.expression.ExpressionLanguageScope;
import org.apache.nifi.logging.ComponentLog;
import org.apache.nifi.processor.DataUnit;
import org.apache.nifi.processor.util.StandardValidators;
import org.apache.nifi.reporting.InitializationException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/** Loads an ONNX model described by a model manifest into one ONNX Runtime session shared by all processors that use it. */
@Tags({"onnx", "onnxruntime", "cnn", "neural network", "deep learning", "gpu", "cuda", "model", "inference"})
@CapabilityDescription("Loads a convolutional neural network exported to ONNX, as a model manifest describes it (file, checksum, input"
        + " preprocessing, output, labels, layer taps), into one ONNX Runtime session that every task of every processor using this"
        + " service shares. Runs on an NVIDIA GPU through CUDA or TensorRT when asked (Auto: CUDA when it loads, else the CPU with a"
        + " warning), reads intermediate layers by adding them to the graph outputs, and reloads the model without failing FlowFiles"
        + " when its file is replaced.")
public class OnnxModelService extends AbstractControllerService implements OnnxModelProvider, VerifiableControllerService {

    /** name=tensor pairs separated by commas; tensor names may hold '/', ':' and '.'. */
    private static final Pattern TAP_LIST = Pattern.compile("\\s*[^=,\\s]+\\s*=\\s*[^=,]*[^=,\\s]\\s*(,\\s*[^=,\\s]+\\s*=\\s*[^=,]*[^=,\\s]\\s*)*");

    public static final PropertyDescriptor MODEL_MANIFEST = new PropertyDescriptor.Builder()
            .name("Model Manifest")
            .description("The model manifest (JSON) naming the model file, its SHA-256, input preprocessing, output, label file and layer taps."
                    + " See the models/ folder of nifi-cnn for manifests of AlexNet, SqueezeNet, MobileNetV2 and ResNet-50.")
            .required(true)
            .expressionLanguageSupported(ExpressionLanguageScope.ENVIRONMENT)
            .addValidator(StandardValidators.FILE_EXISTS_VALIDATOR)
            .build();

    public static final PropertyDescriptor MODEL_DIRECTORY = new PropertyDescriptor.Builder()
            .name("Model Directory")
            .description("The folder the manifest's model and label file names are resolved against. When not set, the manifest's own folder.")
            .required(false)
            .expressionLanguageSupported(ExpressionLanguageScope.ENVIRONMENT)
            .addValidator(StandardValidators.createDirectoryExistsValidator(true, false))
            .build();

    public static final PropertyDescriptor EXECUTION_PROVIDER = new PropertyDescriptor.Builder()
            .name("Execution Provider")
            .description("Where ONNX Runtime runs the model. The provider actually active is written by processors to cnn.provider.")
            .required(true)
            .allowableValues(ExecutionProvider.class)
            .defaultValue(ExecutionProvider.AUTO)
            .build();

    public static final PropertyDescriptor CUDA_DEVICE_ID = new PropertyDescriptor.Builder()
            .name("CUDA Device ID")
            .description("The GPU to run on, as nvidia-smi numbers them.")
            .required(true)
            .defaultValue("0")
            .addValidator(StandardValidators.NON_NEGATIVE_INTEGER_VALIDATOR)
            .dependsOn(EXECUTION_PROVIDER, ExecutionProvider.AUTO, ExecutionProvider.CUDA, ExecutionProvider.TENSORRT)
            .build();

    public static final PropertyDescriptor GPU_MEMORY_LIMIT = new PropertyDescriptor.Builder()
            .name("GPU Memory Limit")
            .description("The most GPU memory the CUDA memory arena of this model may take (CUDA provider option gpu_mem_limit).")
            .required(true)
            .defaultValue("2 GB")
            .addValidator(StandardValidators.DATA_SIZE_VALIDATOR)
            .dependsOn(EXECUTION_PROVIDER, ExecutionProvider.AUTO, ExecutionProvider.CUDA, ExecutionProvider.TENSORRT)
            .build();

    public static final PropertyDescriptor INTRA_OP_THREADS = new PropertyDescriptor.Builder()
            .name("Intra-Op Threads")
            .description("How many CPU threads one inference may use. With several concurrent tasks, concurrent tasks times this value"
                    + " should not exceed the cores available, or threads fight over them.")
            .required(true)
            .defaultValue(Integer.toString(Runtime.getRuntime().availableProcessors()))
            .addValidator(StandardValidators.POSITIVE_INTEGER_VALIDATOR)
            .build();

    public static final PropertyDescriptor OPTIMIZATION_LEVEL = new PropertyDescriptor.Builder()
            .name("Optimization Level")
            .description("ONNX Runtime graph optimisations applied when the session is created.")
            .required(true)
            .allowableValues(OptimizationLevel.class)
            .defaultValue(OptimizationLevel.ALL)
            .build();

    public static final PropertyDescriptor ADDITIONAL_LAYER_TAPS = new PropertyDescriptor.Builder()
            .name("Additional Layer Taps")
            .description("Intermediate tensors to read beside the manifest's taps, as comma-separated name=tensor pairs, e.g."
                    + " 'fire9=fire9/concat_1'. Each tensor is added to the graph outputs before the session is created.")
            .required(false)
            .addValidator(StandardValidators.createRegexMatchingValidator(TAP_LIST))
            .build();

    public static final PropertyDescriptor MODEL_CHECK_INTERVAL = new PropertyDescriptor.Builder()
            .name("Model Check Interval")
            .description("How often the manifest and model files are checked for a change (modification time and size; the SHA-256 only"
                    + " when those changed). A changed model is loaded beside the running one and swapped in; batches still running finish"
                    + " on the old one.")
            .required(true)
            .defaultValue("10 sec")
            .addValidator(StandardValidators.TIME_PERIOD_VALIDATOR)
            .build();

    private static final List<PropertyDescriptor> PROPERTY_DESCRIPTORS = List.of(
            MODEL_MANIFEST, MODEL_DIRECTORY, EXECUTION_PROVIDER, CUDA_DEVICE_ID, GPU_MEMORY_LIMIT, INTRA_OP_THREADS, OPTIMIZATION_LEVEL,
            ADDITIONAL_LAYER_TAPS, MODEL_CHECK_INTERVAL);

    private volatile SharedModels.Handle model;

    @Override
    protected List<PropertyDescriptor> getSupportedPropertyDescriptors() {
        return PROPERTY_DESCRIPTORS;
    }

    @Override
    protected Collection<ValidationResult> customValidate(final ValidationContext context) {
        final List<ValidationResult> results = new ArrayList<>();
        final String manifestValue = context.getProperty(MODEL_MANIFEST).evaluateAttributeExpressions().getValue();
        if (manifestValue != null && Files.isRegularFile(Path.of(manifestValue))) {
            try {
                final ModelManifest manifest = ModelManifest.read(Path.of(manifestValue));
                final Path modelFile = manifest.modelFile(modelDirectory(context.getProperty(MODEL_DIRECTORY).evaluateAttributeExpressions().getValue()));
                if (!Files.isRegularFile(modelFile)) {
                    results.add(invalid(MODEL_MANIFEST, "Model file " + modelFile + " named by the manifest does not exist"
                            + (manifest.url() == null ? "" : "; download it from " + manifest.url())));
                }
            } catch (final ModelLoadException e) {
                results.add(invalid(MODEL_MANIFEST, e.getMessage()));
            }
        }
        final ExecutionProvider provider = context.getProperty(EXECUTION_PROVIDER).asAllowableValue(ExecutionProvider.class);
        if (provider == ExecutionProvider.CUDA || provider == ExecutionProvider.TENSORRT) {
            final String problem = OnnxSessionFactory.checkGpuProvider(new SessionSettings(provider,
                    context.getProperty(CUDA_DEVICE_ID).asInteger(), 0, 1, OptimizationLevel.ALL));
            if (problem != null) {
                results.add(invalid(EXECUTION_PROVIDER, provider.getDisplayName() + " cannot be loaded: " + problem));
            }
        }
        return results;
    }

    private static ValidationResult invalid(final PropertyDescriptor property, final String explanation) {
        return new ValidationResult.Builder().subject(property.getName()).valid(false).explanation(explanation).build();
    }

    @OnEnabled
    public void onEnabled(final ConfigurationContext context) throws InitializationException {
        try {
            model = open(context, getLogger());
        } catch (final ModelLoadException e) {
            throw new InitializationException(e.getMessage(), e);
        }
        final OnnxModel loaded = model.model().current();
        getLogger().info("Loaded {}", loaded.describe());
    }

    @OnDisabled
    public void onDisabled() {
        final SharedModels.Handle current = model;
        model = null;
        if (current != null) {
            current.close();
        }
    }

    @Override
    public ModelLease acquire() {
        final SharedModels.Handle current = model;
        if (current == null) {
            throw new IllegalStateException("OnnxModelService is not enabled");
        }
        return current.model().acquire();
    }

    @Override
    public OnnxModel currentModel() {
        final SharedModels.Handle current = model;
        if (current == null) {
            throw new IllegalStateException("OnnxModelService is not enabled");
        }
        return current.model().current();
    }

    @Override
    public long sessionsCreated() {
        final SharedModels.Handle current = model;
        return current == null ? 0 : current.model().sessionsCreated();
    }

    @Override
    public List<ConfigVerificationResult> verify(final ConfigurationContext context, final ComponentLog verificationLogger,
                                                 final Map<String, String> variables) {
        final List<ConfigVerificationResult> results = new ArrayList<>();
        final ModelManifest manifest;
        try {
            manifest = ModelManifest.read(Path.of(context.getProperty(MODEL_MANIFEST).evaluateAttributeExpressions().getValue()));
            results.add(step("Read Model Manifest", ConfigVerificationResult.Outcome.SUCCESSFUL, "Manifest of model '" + manifest.name()
                    + "', input " + manifest.input() + ", output " + manifest.output().name() + " (" + manifest.output().kind() + ")"));
        } catch (final ModelLoadException e) {
            results.add(step("Read Model Manifest", ConfigVerificationResult.Outcome.FAILED, e.getMessage()));
            results.add(step("Load Model", ConfigVerificationResult.Outcome.SKIPPED, "The manifest cannot be read"));
            return results;
        }
        final SessionSettings settings = settings(context);
        final Path directory = modelDirectory(context.getProperty(MODEL_DIRECTORY).evaluateAttributeExpressions().getValue());
        try {
            try (OnnxModel loaded = new ModelLoader(new OnnxSessionFactory()).load(manifest, directory, settings, taps(context))) {
                results.add(step("Load Model", ConfigVerificationResult.Outcome.SUCCESSFUL, "Loaded " + loaded.describe()));
                final String providerExplanation = "Asked for " + settings.provider().getDisplayName() + ", running on "
                        + loaded.activeProvider().getDisplayName() + (loaded.providerNote() == null ? "" : ": " + loaded.providerNote());
                results.add(step("Execution Provider", settings.provider() == ExecutionProvider.AUTO && loaded.providerNote() != null
                        ? ConfigVerificationResult.Outcome.SKIPPED : ConfigVerificationResult.Outcome.SUCCESSFUL, providerExplanation));
            }
        } catch (final ModelLoadException e) {
            verificationLogger.warn("Model cannot be loaded", e);
            results.add(step("Load Model", ConfigVerificationResult.Outcome.FAILED, e.getMessage()));
        }
        return results;
    }

    private static ConfigVerificationResult step(final String name, final ConfigVerificationResult.Outcome outcome, final String explanation) {
        return new ConfigVerificationResult.Builder().verificationStepName(name).outcome(outcome).explanation(explanation).build();
    }

    private static SharedModels.Handle open(final ConfigurationContext context, final ComponentLog logger) throws ModelLoadException {
        final Path manifest = Path.of(context.getProperty(MODEL_MANIFEST).evaluateAttributeExpressions().getValue());
        final Path directory = modelDirectory(context.getProperty(MODEL_DIRECTORY).evaluateAttributeExpressions().getValue());
        final Duration checkInterval = Duration.ofMillis(context.getProperty(MODEL_CHECK_INTERVAL).asTimePeriod(TimeUnit.MILLISECONDS));
        return SharedModels.open(manifest, directory, settings(context), taps(context), checkInterval, logger::warn);
    }

    private static SessionSettings settings(final ConfigurationContext context) {
        final ExecutionProvider provider = context.getProperty(EXECUTION_PROVIDER).asAllowableValue(ExecutionProvider.class);
        final boolean gpu = provider != ExecutionProvider.CPU;
        return new SessionSettings(provider,
                gpu ? context.getProperty(CUDA_DEVICE_ID).asInteger() : 0,
                gpu ? context.getProperty(GPU_MEMORY_LIMIT).asDataSize(DataUnit.B).longValue() : 0,
                context.getProperty(INTRA_OP_THREADS).asInteger(),
                context.getProperty(OPTIMIZATION_LEVEL).asAllowableValue(OptimizationLevel.class));
    }

    private static Path modelDirectory(final String value) {
        return value == null || value.isBlank() ? null : Path.of(value);
    }

    /** Parses the Additional Layer Taps property: name=tensor pairs separated by commas. */
    static Map<String, String> taps(final ConfigurationContext context) {
        final String value = context.getProperty(ADDITIONAL_LAYER_TAPS).getValue();
        final Map<String, String> taps = new LinkedHashMap<>();
        if (value != null && !value.isBlank()) {
            for (final String pair : value.split(",")) {
                final int equals = pair.indexOf('=');
                taps.put(pair.substring(0, equals).trim(), pair.substring(equals + 1).trim());
            }
        }
        return taps;
    }
}

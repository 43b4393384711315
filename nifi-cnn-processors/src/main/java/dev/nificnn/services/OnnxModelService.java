package dev.nificnn.services;

import dev.nificnn.image.ChannelOrder;
import dev.nificnn.image.Interpolation;
import dev.nificnn.image.NormalisationValues;
import dev.nificnn.image.ResizeMode;
import dev.nificnn.onnx.ExecutionProvider;
import dev.nificnn.onnx.ManifestFile;
import dev.nificnn.onnx.ManifestSource;
import dev.nificnn.onnx.ModelFileDescription;
import dev.nificnn.onnx.ModelLease;
import dev.nificnn.onnx.ModelLoadException;
import dev.nificnn.onnx.ModelLoader;
import dev.nificnn.onnx.ModelManifest;
import dev.nificnn.onnx.ModelUnavailableException;
import dev.nificnn.onnx.OnnxModel;
import dev.nificnn.onnx.OnnxSessionFactory;
import dev.nificnn.onnx.OptimizationLevel;
import dev.nificnn.onnx.OutputKind;
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
import org.apache.nifi.context.PropertyContext;
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

/**
 * Loads an ONNX model, described by a model manifest or by a model file plus preprocessing properties, into one ONNX Runtime
 * session shared by all processors that use it.
 */
@Tags({"onnx", "onnxruntime", "cnn", "neural network", "deep learning", "gpu", "cuda", "model", "inference"})
@CapabilityDescription("Loads a convolutional neural network exported to ONNX, as a model manifest describes it (file, checksum, input"
        + " preprocessing, output, labels, layer taps) or as a model file plus preprocessing properties (input name, type, layout and size"
        + " are then read from the model), into one ONNX Runtime session that every task of every processor using this"
        + " service shares. Runs on an NVIDIA GPU through CUDA or TensorRT when asked (Auto: CUDA when it loads, else the CPU with a"
        + " warning), reads intermediate layers by adding them to the graph outputs, and reloads the model without failing FlowFiles"
        + " when its file is replaced.")
public class OnnxModelService extends AbstractControllerService implements OnnxModelProvider, VerifiableControllerService {

    /** name=tensor pairs separated by commas; tensor names may hold '/', ':' and '.'. */
    private static final Pattern TAP_LIST = Pattern.compile("\\s*[^=,\\s]+\\s*=\\s*[^=,]*[^=,\\s]\\s*(,\\s*[^=,\\s]+\\s*=\\s*[^=,]*[^=,\\s]\\s*)*");

    public static final PropertyDescriptor MODEL_MANIFEST = new PropertyDescriptor.Builder()
            .name("Model Manifest")
            .description("The model manifest (JSON) naming the model file, its SHA-256, input preprocessing, output, label file and layer taps."
                    + " See the models/ folder of nifi-cnn for manifests of AlexNet, SqueezeNet, MobileNetV2 and ResNet-50."
                    + " Set either this or Model File.")
            .required(false)
            .expressionLanguageSupported(ExpressionLanguageScope.ENVIRONMENT)
            .addValidator(StandardValidators.FILE_EXISTS_VALIDATOR)
            .build();

    public static final PropertyDescriptor MODEL_DIRECTORY = new PropertyDescriptor.Builder()
            .name("Model Directory")
            .description("The folder the manifest's model and label file names are resolved against. When not set, the manifest's own folder.")
            .required(false)
            .expressionLanguageSupported(ExpressionLanguageScope.ENVIRONMENT)
            .addValidator(StandardValidators.createDirectoryExistsValidator(true, false))
            .dependsOn(MODEL_MANIFEST)
            .build();

    public static final PropertyDescriptor MODEL_FILE = new PropertyDescriptor.Builder()
            .name("Model File")
            .description("An ONNX model file to load without a manifest; the properties below describe its preprocessing. The input's name,"
                    + " element type (float32 or float16), layout (NCHW when the second dimension is 3, NHWC when the last is) and fixed size"
                    + " are read from the model; the class output is its first graph output. Set either this or Model Manifest. Validation"
                    + " does not read the model (it may be large): Verify, or enabling the service, checks it against these properties.")
            .required(false)
            .expressionLanguageSupported(ExpressionLanguageScope.ENVIRONMENT)
            .addValidator(StandardValidators.FILE_EXISTS_VALIDATOR)
            .build();

    public static final PropertyDescriptor LABEL_FILE = new PropertyDescriptor.Builder()
            .name("Label File")
            .description("Class names, one a line, in the order of the model's output. Without it, labels are class indices.")
            .required(false)
            .expressionLanguageSupported(ExpressionLanguageScope.ENVIRONMENT)
            .addValidator(StandardValidators.FILE_EXISTS_VALIDATOR)
            .dependsOn(MODEL_FILE)
            .build();

    public static final PropertyDescriptor INPUT_WIDTH = new PropertyDescriptor.Builder()
            .name("Input Width")
            .description("Width in pixels the model takes. When not set, the model's fixed input width; required when that is dynamic.")
            .required(false)
            .addValidator(StandardValidators.POSITIVE_INTEGER_VALIDATOR)
            .dependsOn(MODEL_FILE)
            .build();

    public static final PropertyDescriptor INPUT_HEIGHT = new PropertyDescriptor.Builder()
            .name("Input Height")
            .description("Height in pixels the model takes. When not set, the model's fixed input height; required when that is dynamic.")
            .required(false)
            .addValidator(StandardValidators.POSITIVE_INTEGER_VALIDATOR)
            .dependsOn(MODEL_FILE)
            .build();

    public static final PropertyDescriptor CHANNEL_ORDER = modelFileOnly(PreprocessingProperties.CHANNEL_ORDER);

    public static final PropertyDescriptor SCALE = modelFileOnly(PreprocessingProperties.SCALE);

    public static final PropertyDescriptor MEAN = modelFileOnly(PreprocessingProperties.MEAN);

    public static final PropertyDescriptor STD = modelFileOnly(PreprocessingProperties.STD);

    public static final PropertyDescriptor RESIZE_MODE = modelFileOnly(PreprocessingProperties.RESIZE_MODE);

    public static final PropertyDescriptor SHORTER_SIDE = PreprocessingProperties.SHORTER_SIDE;

    public static final PropertyDescriptor INTERPOLATION = modelFileOnly(PreprocessingProperties.INTERPOLATION);

    public static final PropertyDescriptor OUTPUT_KIND = new PropertyDescriptor.Builder()
            .name("Output Kind")
            .description("What the model's first output holds: LOGITS (most PyTorch exports; a softmax turns them into the scores written"
                    + " to cnn.score) or PROBABILITIES (the model ends in a softmax).")
            .required(true)
            .allowableValues(OutputKind.LOGITS.name(), OutputKind.PROBABILITIES.name())
            .defaultValue(OutputKind.LOGITS.name())
            .dependsOn(MODEL_FILE)
            .build();

    public static final PropertyDescriptor EXECUTION_PROVIDER = new PropertyDescriptor.Builder()
            .name("Execution Provider")
            .description("Where ONNX Runtime runs the model. The provider actually active is written by processors to cnn.provider.")
            .required(true)
            .allowableValues(AllowableChoices.of(ExecutionProvider.class))
            .defaultValue(ExecutionProvider.AUTO.getValue())
            .build();

    public static final PropertyDescriptor CUDA_DEVICE_ID = new PropertyDescriptor.Builder()
            .name("CUDA Device ID")
            .description("The GPU to run on, as nvidia-smi numbers them.")
            .required(true)
            .defaultValue("0")
            .addValidator(StandardValidators.NON_NEGATIVE_INTEGER_VALIDATOR)
            .dependsOn(EXECUTION_PROVIDER, ExecutionProvider.AUTO.getValue(), ExecutionProvider.CUDA.getValue(), ExecutionProvider.TENSORRT.getValue())
            .build();

    public static final PropertyDescriptor GPU_MEMORY_LIMIT = new PropertyDescriptor.Builder()
            .name("GPU Memory Limit")
            .description("The most GPU memory the CUDA memory arena of this model may take (CUDA provider option gpu_mem_limit).")
            .required(true)
            .defaultValue("2 GB")
            .addValidator(StandardValidators.DATA_SIZE_VALIDATOR)
            .dependsOn(EXECUTION_PROVIDER, ExecutionProvider.AUTO.getValue(), ExecutionProvider.CUDA.getValue(), ExecutionProvider.TENSORRT.getValue())
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
            .allowableValues(AllowableChoices.of(OptimizationLevel.class))
            .defaultValue(OptimizationLevel.ALL.getValue())
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
            MODEL_MANIFEST, MODEL_DIRECTORY, MODEL_FILE, LABEL_FILE, INPUT_WIDTH, INPUT_HEIGHT, CHANNEL_ORDER, SCALE, MEAN, STD, RESIZE_MODE,
            SHORTER_SIDE, INTERPOLATION, OUTPUT_KIND, EXECUTION_PROVIDER, CUDA_DEVICE_ID, GPU_MEMORY_LIMIT, INTRA_OP_THREADS, OPTIMIZATION_LEVEL,
            ADDITIONAL_LAYER_TAPS, MODEL_CHECK_INTERVAL);

    private volatile SharedModels.Handle model;

    @Override
    protected List<PropertyDescriptor> getSupportedPropertyDescriptors() {
        return PROPERTY_DESCRIPTORS;
    }

    @Override
    protected Collection<ValidationResult> customValidate(final ValidationContext context) {
        final List<ValidationResult> results = new ArrayList<>();
        final boolean manifestSet = context.getProperty(MODEL_MANIFEST).isSet();
        if (manifestSet == context.getProperty(MODEL_FILE).isSet()) {
            results.add(invalid(MODEL_MANIFEST, manifestSet ? "Set either Model Manifest or Model File, not both"
                    : "Set Model Manifest (a JSON manifest from nifi-cnn's models/ folder) or Model File (an .onnx file described by the properties below)"));
        }
        final String manifestValue = context.getProperty(MODEL_MANIFEST).evaluateAttributeExpressions().getValue();
        if (manifestValue != null && Files.isRegularFile(Path.of(manifestValue))) {
            try {
                final ModelManifest manifest = ModelManifest.read(Path.of(manifestValue));
                final Path modelFile = manifest.modelFile(modelDirectory(context));
                if (!Files.isRegularFile(modelFile)) {
                    results.add(invalid(MODEL_MANIFEST, "Model file " + modelFile + " named by the manifest does not exist"
                            + (manifest.url() == null ? "" : "; download it from " + manifest.url())));
                }
            } catch (final ModelLoadException e) {
                results.add(invalid(MODEL_MANIFEST, e.getMessage()));
            }
        }
        final ExecutionProvider provider = AllowableChoices.valueOf(context.getProperty(EXECUTION_PROVIDER), ExecutionProvider.class);
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
            throw new ModelUnavailableException("OnnxModelService is not enabled");
        }
        return current.model().acquire();
    }

    @Override
    public OnnxModel currentModel() {
        final SharedModels.Handle current = model;
        if (current == null) {
            throw new ModelUnavailableException("OnnxModelService is not enabled");
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
        final String stepName = context.getProperty(MODEL_FILE).isSet() ? "Describe Model File" : "Read Model Manifest";
        final ModelManifest manifest;
        try {
            manifest = manifestSource(context).read();
            results.add(step(stepName, ConfigVerificationResult.Outcome.SUCCESSFUL, "Model '" + manifest.name()
                    + "', input " + manifest.input() + ", output " + manifest.output().name() + " (" + manifest.output().kind() + ")"));
        } catch (final ModelLoadException | RuntimeException e) {
            results.add(step(stepName, ConfigVerificationResult.Outcome.FAILED, e.getMessage()));
            results.add(step("Load Model", ConfigVerificationResult.Outcome.SKIPPED, "The model cannot be described"));
            return results;
        }
        final SessionSettings settings = settings(context);
        final Path directory = modelDirectory(context);
        try {
            try (OnnxModel loaded = new ModelLoader(new OnnxSessionFactory()).load(manifest, directory, settings, taps(context))) {
                results.add(step("Load Model", ConfigVerificationResult.Outcome.SUCCESSFUL, "Loaded " + loaded.describe()));
                final String providerExplanation = "Asked for " + settings.provider().getDisplayName() + ", running on "
                        + loaded.activeProvider().getDisplayName() + " with the " + OnnxSessionFactory.ONNX_RUNTIME_BUILD + " build of ONNX Runtime"
                        + (loaded.providerNote() == null ? "" : ": " + loaded.providerNote());
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
        final Path directory = modelDirectory(context);
        final Duration checkInterval = Duration.ofMillis(context.getProperty(MODEL_CHECK_INTERVAL).asTimePeriod(TimeUnit.MILLISECONDS));
        return SharedModels.open(manifestSource(context), directory, settings(context), taps(context), checkInterval, logger::warn);
    }

    /** The manifest file, or the model file and the preprocessing its properties state. */
    static ManifestSource manifestSource(final PropertyContext context) {
        if (!context.getProperty(MODEL_FILE).isSet()) {
            return new ManifestFile(Path.of(context.getProperty(MODEL_MANIFEST).evaluateAttributeExpressions().getValue()));
        }
        final String labels = context.getProperty(LABEL_FILE).evaluateAttributeExpressions().getValue();
        final ResizeMode resizeMode = AllowableChoices.valueOf(context.getProperty(RESIZE_MODE), ResizeMode.class);
        return new ModelFileDescription(Path.of(context.getProperty(MODEL_FILE).evaluateAttributeExpressions().getValue()),
                labels == null || labels.isBlank() ? null : Path.of(labels),
                context.getProperty(INPUT_WIDTH).isSet() ? context.getProperty(INPUT_WIDTH).asInteger() : 0,
                context.getProperty(INPUT_HEIGHT).isSet() ? context.getProperty(INPUT_HEIGHT).asInteger() : 0,
                AllowableChoices.valueOf(context.getProperty(CHANNEL_ORDER), ChannelOrder.class),
                NormalisationValues.scale(context.getProperty(SCALE).getValue()),
                boxed(NormalisationValues.mean(context.getProperty(MEAN).getValue())),
                boxed(NormalisationValues.std(context.getProperty(STD).getValue())),
                resizeMode,
                AllowableChoices.valueOf(context.getProperty(INTERPOLATION), Interpolation.class),
                resizeMode == ResizeMode.SHORTER_SIDE_CROP && context.getProperty(SHORTER_SIDE).isSet() ? context.getProperty(SHORTER_SIDE).asInteger() : 0,
                OutputKind.valueOf(context.getProperty(OUTPUT_KIND).getValue()));
    }

    private static List<Float> boxed(final float[] values) {
        final List<Float> boxed = new ArrayList<>(values.length);
        for (final float value : values) {
            boxed.add(value);
        }
        return boxed;
    }

    /** A shared preprocessing property, shown only in Model File mode (a manifest states its own preprocessing). */
    private static PropertyDescriptor modelFileOnly(final PropertyDescriptor property) {
        return new PropertyDescriptor.Builder().fromPropertyDescriptor(property).dependsOn(MODEL_FILE).build();
    }

    private static SessionSettings settings(final ConfigurationContext context) {
        final ExecutionProvider provider = AllowableChoices.valueOf(context.getProperty(EXECUTION_PROVIDER), ExecutionProvider.class);
        final boolean gpu = provider != ExecutionProvider.CPU;
        return new SessionSettings(provider,
                gpu ? context.getProperty(CUDA_DEVICE_ID).asInteger() : 0,
                gpu ? context.getProperty(GPU_MEMORY_LIMIT).asDataSize(DataUnit.B).longValue() : 0,
                context.getProperty(INTRA_OP_THREADS).asInteger(),
                AllowableChoices.valueOf(context.getProperty(OPTIMIZATION_LEVEL), OptimizationLevel.class));
    }

    private static Path modelDirectory(final String value) {
        return value == null || value.isBlank() ? null : Path.of(value);
    }

    /** The Model Directory in manifest mode; null in Model File mode, where the property is hidden and must not count. */
    private static Path modelDirectory(final PropertyContext context) {
        return context.getProperty(MODEL_FILE).isSet() ? null : modelDirectory(context.getProperty(MODEL_DIRECTORY).evaluateAttributeExpressions().getValue());
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

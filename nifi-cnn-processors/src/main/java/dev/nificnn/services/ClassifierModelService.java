package dev.nificnn.services;

import dev.nificnn.classifier.ArtifactDigest;
import dev.nificnn.classifier.ArtifactFormatException;
import dev.nificnn.classifier.ClassifierArtifact;
import dev.nificnn.classifier.ClassifierModel;
import dev.nificnn.onnx.ModelUnavailableException;
import dev.nificnn.reload.FileStamp;
import dev.nificnn.reload.FileWatch;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.annotation.lifecycle.OnDisabled;
import org.apache.nifi.annotation.lifecycle.OnEnabled;
import org.apache.nifi.components.ConfigVerificationResult;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.controller.AbstractControllerService;
import org.apache.nifi.controller.ConfigurationContext;
import org.apache.nifi.controller.VerifiableControllerService;
import org.apache.nifi.expression.ExpressionLanguageScope;
import org.apache.nifi.logging.ComponentLog;
import org.apache.nifi.processor.util.StandardValidators;
import org.apache.nifi.reporting.InitializationException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** Loads a classifier artifact written by TrainImageClassifier and swaps in a new one when the file changes. */
@Tags({"cnn", "classifier", "deeplearning4j", "model", "machine learning"})
@CapabilityDescription("Loads a trained classifier artifact (the 'model' output of TrainImageClassifier) and shares it with every "
        + "ScoreImageClassifier that references this service. While enabled it checks the file's modification time and size at most once "
        + "per Reload Check Interval, when a processor asks for the model; when they changed it loads the new artifact and swaps it in "
        + "atomically. Scoring already under way finishes with the model it started with; a new file that cannot be read is logged and the "
        + "current model stays in use. Write new artifacts by renaming a complete file into place (PutFile does). Artifacts are read as "
        + "data only (no Java deserialization) and can be pinned to one SHA-256.")
public class ClassifierModelService extends AbstractControllerService implements ImageClassifierProvider, VerifiableControllerService {

    public static final PropertyDescriptor ARTIFACT_PATH = new PropertyDescriptor.Builder()
            .name("Classifier Artifact Path")
            .description("Path of the classifier artifact file (.classifier.zip) written by TrainImageClassifier. "
                    + "Environment variables, system properties and parameters may be used, e.g. ${MODEL_HOME}/flowers.classifier.zip")
            .required(true)
            .expressionLanguageSupported(ExpressionLanguageScope.ENVIRONMENT)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();

    public static final PropertyDescriptor RELOAD_CHECK_INTERVAL = new PropertyDescriptor.Builder()
            .name("Reload Check Interval")
            .description("Least time between two checks of whether the artifact file changed; 0 sec checks on every use")
            .required(true)
            .defaultValue("10 sec")
            .addValidator(StandardValidators.createTimePeriodValidator(0, TimeUnit.SECONDS, 1, TimeUnit.DAYS))
            .build();

    public static final PropertyDescriptor EXPECTED_SHA256 = new PropertyDescriptor.Builder()
            .name("Expected SHA-256")
            .description("SHA-256 (64 hexadecimal digits) the artifact file must have. When set, a file with another digest is refused "
                    + "before it is read, at enable and on every reload, and the model loaded before stays in use. Pins the service to one "
                    + "artifact so that whoever can write the artifact's folder cannot change the model; unset, any valid artifact is loaded")
            .required(false)
            .addValidator(StandardValidators.createRegexMatchingValidator(ArtifactDigest.SHA256_HEX))
            .build();

    private static final List<PropertyDescriptor> PROPERTY_DESCRIPTORS = List.of(ARTIFACT_PATH, RELOAD_CHECK_INTERVAL, EXPECTED_SHA256);

    /** A loaded model and the file state it was loaded from. */
    private record Loaded(ClassifierModel model, FileStamp stamp) {
    }

    private final AtomicReference<ClassifierModel> current = new AtomicReference<>();
    private volatile Path artifactPath;
    private volatile String expectedSha256;
    private volatile FileWatch watch;

    @Override
    protected List<PropertyDescriptor> getSupportedPropertyDescriptors() {
        return PROPERTY_DESCRIPTORS;
    }

    @OnEnabled
    public void onEnabled(final ConfigurationContext context) throws InitializationException {
        final Path path = Path.of(context.getProperty(ARTIFACT_PATH).evaluateAttributeExpressions().getValue().trim());
        final Duration checkInterval = Duration.ofNanos(context.getProperty(RELOAD_CHECK_INTERVAL).asTimePeriod(TimeUnit.NANOSECONDS));
        final String expected = context.getProperty(EXPECTED_SHA256).getValue();
        if (!Files.isRegularFile(path)) {
            throw new InitializationException("Classifier artifact " + path + " does not exist or is not a file");
        }
        try {
            final Loaded loaded = load(path, expected);
            final ClassifierModel model = loaded.model();
            artifactPath = path;
            expectedSha256 = expected;
            watch = new FileWatch(checkInterval, loaded.stamp());
            current.set(model);
            getLogger().info("Loaded classifier {} from {}: {} classes, {} features", model.metadata().selectedClassifier(), path,
                    model.labels().size(), model.featureLength());
        } catch (final ArtifactFormatException e) {
            throw new InitializationException(e.getMessage(), e);
        } catch (final IOException e) {
            throw new InitializationException("Classifier artifact " + path + " cannot be read: " + e.getMessage(), e);
        }
    }

    @OnDisabled
    public void onDisabled() {
        // The network's native memory is released by ND4J's garbage-collection-driven deallocator once nobody scores with it.
        current.set(null);
        artifactPath = null;
        expectedSha256 = null;
    }

    @Override
    public ClassifierModel getClassifier() {
        if (current.get() == null) {
            throw new ModelUnavailableException("ClassifierModelService is not enabled");
        }
        final FileWatch fileWatch = watch;
        if (fileWatch.isCheckDue()) {
            // One caller checks and reloads; the others keep scoring with the current model meanwhile.
            fileWatch.tryCheck(() -> reloadIfChanged(fileWatch));
        }
        return current.get();
    }

    /** The check itself, run by one caller at a time: reloads the artifact when its file changed, and tells whether it did. */
    private boolean reloadIfChanged(final FileWatch fileWatch) {
        final Path path = artifactPath;
        final FileStamp stamp;
        try {
            stamp = FileStamp.read(path);
        } catch (final IOException e) {
            if (fileWatch.firstRefusal(FileStamp.UNREADABLE)) {
                getLogger().warn("Classifier artifact {} cannot be read ({}); scoring goes on with the model loaded before", path, e.toString());
            }
            return false;
        }
        if (!fileWatch.changed(stamp)) {
            return false;
        }
        try {
            final Loaded reloaded = load(path, expectedSha256);
            final ClassifierModel model = reloaded.model();
            current.set(model);
            fileWatch.loaded(reloaded.stamp());
            getLogger().info("Reloaded classifier {} from {}: {} classes, {} features", model.metadata().selectedClassifier(), path,
                    model.labels().size(), model.featureLength());
            return true;
        } catch (final ArtifactFormatException | IOException e) {
            fileWatch.refused(stamp);
            getLogger().warn("The changed classifier artifact could not be loaded; scoring goes on with the model loaded before: {}", e.getMessage());
            return false;
        }
    }

    /**
     * Reads the artifact, checking its digest first when one is expected, and returns it with the file state it was read from.
     * The digest and the zip are read through separate opens: a file replaced in between changes the state, which is refused here
     * and read again at the next check.
     */
    private static Loaded load(final Path path, final String expected) throws ArtifactFormatException, IOException {
        final FileStamp before = FileStamp.read(path);
        if (expected != null) {
            ArtifactDigest.check(path, expected);
        }
        final ClassifierModel model = ClassifierArtifact.read(path);
        if (!before.equals(FileStamp.read(path))) {
            throw new ArtifactFormatException("Classifier artifact " + path + " changed while it was read; it is read again at the next check");
        }
        return new Loaded(model, before);
    }

    @Override
    public List<ConfigVerificationResult> verify(final ConfigurationContext context, final ComponentLog verificationLogger,
                                                 final Map<String, String> variables) {
        final String location = context.getProperty(ARTIFACT_PATH).evaluateAttributeExpressions(variables).getValue();
        final ConfigVerificationResult.Builder result = new ConfigVerificationResult.Builder().verificationStepName("Load classifier artifact");
        try {
            final ClassifierModel model = load(Path.of(Objects.requireNonNull(location, "no path").trim()),
                    context.getProperty(EXPECTED_SHA256).getValue()).model();
            result.outcome(ConfigVerificationResult.Outcome.SUCCESSFUL)
                    .explanation("Loaded " + model.metadata().selectedClassifier() + " from " + location + ": " + model.labels().size()
                            + " classes " + model.labels() + ", " + model.featureLength() + " features"
                            + (model.metadata().featureModel() == null ? "" : " from " + model.metadata().featureModel() + " layer "
                            + model.metadata().featureLayer()));
        } catch (final ArtifactFormatException | IOException | RuntimeException e) {
            result.outcome(ConfigVerificationResult.Outcome.FAILED).explanation(e.getMessage());
        }
        return List.of(result.build());
    }
}

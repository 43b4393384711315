package dev.nificnn.services;

import dev.nificnn.classifier.ArtifactDigest;
import dev.nificnn.classifier.ArtifactFormatException;
import dev.nificnn.classifier.ClassifierArtifact;
import dev.nificnn.classifier.ClassifierModel;
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
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

/** Loads a classifier artifact written by TrainImageClassifier and swaps in a new one when the file changes. */
@Tags({"cnn", "classifier", "deeplearning4j", "model", "machine learning"})
@CapabilityDescription("Loads a trained classifier artifact (the 'model' output of TrainImageClassifier) and shares it with every "
        + "ScoreImageClassifier that references this service. While enabled it checks the file's modification time and size at most once "
        + "per Reload Check Interval, when a processor asks for the model; when they changed it loads the new artifact and swaps it in "
        + "atomically. Scoring already under way finishes with the model it started with; a new file that cannot be read is logged and the "
        + "current model stays in use. Write new artifacts by renaming a complete file into place (PutFile does). Artifacts are read as "
        + "data only (no Java deserialization) and can be pinned to one SHA-256.")
public class ClassifierModelService extends AbstractControllerService implements ImageClassifierProvider, VerifiableControllerService {

    static final PropertyDescriptor ARTIFACT_PATH = new PropertyDescriptor.Builder()
            .name("Classifier Artifact Path")
            .description("Path of the classifier artifact file (.classifier.zip) written by TrainImageClassifier. "
                    + "Environment variables, system properties and parameters may be used, e.g. ${MODEL_HOME}/flowers.classifier.zip")
            .required(true)
            .expressionLanguageSupported(ExpressionLanguageScope.ENVIRONMENT)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();

    static final PropertyDescriptor RELOAD_CHECK_INTERVAL = new PropertyDescriptor.Builder()
            .name("Reload Check Interval")
            .description("Least time between two checks of whether the artifact file changed; 0 sec checks on every use")
            .required(true)
            .defaultValue("10 sec")
            .addValidator(StandardValidators.createTimePeriodValidator(0, TimeUnit.SECONDS, 1, TimeUnit.DAYS))
            .build();

    static final PropertyDescriptor EXPECTED_SHA256 = new PropertyDescriptor.Builder()
            .name("Expected SHA-256")
            .description("SHA-256 (64 hexadecimal digits) the artifact file must have. When set, a file with another digest is refused "
                    + "before it is read, at enable and on every reload, and the model loaded before stays in use. Pins the service to one "
                    + "artifact so that whoever can write the artifact's folder cannot change the model; unset, any valid artifact is loaded")
            .required(false)
            .addValidator(StandardValidators.createRegexMatchingValidator(ArtifactDigest.SHA256_HEX))
            .build();

    private static final List<PropertyDescriptor> PROPERTIES = List.of(ARTIFACT_PATH, RELOAD_CHECK_INTERVAL, EXPECTED_SHA256);

    /** A loaded model and the file state it was loaded from. */
    private record Loaded(ClassifierModel model, FileStamp stamp) {
    }

    /** What identifies one version of the artifact file. */
    private record FileStamp(long modifiedMillis, long size, Object fileKey) {

        static FileStamp of(final Path file) throws IOException {
            final BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return new FileStamp(attributes.lastModifiedTime().toMillis(), attributes.size(), attributes.fileKey());
        }
    }

    private final AtomicReference<Loaded> current = new AtomicReference<>();
    private final ReentrantLock reloadLock = new ReentrantLock();
    private volatile Path artifactPath;
    private volatile String expectedSha256;
    private volatile long checkIntervalNanos;
    private volatile long lastCheckNanos;
    private volatile FileStamp lastFailedStamp;

    @Override
    protected List<PropertyDescriptor> getSupportedPropertyDescriptors() {
        return PROPERTIES;
    }

    @OnEnabled
    public void onEnabled(final ConfigurationContext context) throws InitializationException {
        final Path path = Path.of(context.getProperty(ARTIFACT_PATH).evaluateAttributeExpressions().getValue().trim());
        checkIntervalNanos = context.getProperty(RELOAD_CHECK_INTERVAL).asTimePeriod(TimeUnit.NANOSECONDS);
        final String expected = context.getProperty(EXPECTED_SHA256).getValue();
        if (!Files.isRegularFile(path)) {
            throw new InitializationException("Classifier artifact " + path + " does not exist or is not a file");
        }
        try {
            final Loaded loaded = load(path, expected);
            final ClassifierModel model = loaded.model();
            artifactPath = path;
            expectedSha256 = expected;
            lastFailedStamp = null;
            lastCheckNanos = System.nanoTime();
            current.set(loaded);
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
        final Loaded loaded = current.get();
        if (loaded == null) {
            throw new IllegalStateException("ClassifierModelService is not enabled");
        }
        if (System.nanoTime() - lastCheckNanos >= checkIntervalNanos && reloadLock.tryLock()) {
            // One caller checks and reloads; the others keep scoring with the current model meanwhile.
            try {
                reloadIfChanged(loaded);
            } finally {
                reloadLock.unlock();
            }
        }
        return current.get().model();
    }

    private void reloadIfChanged(final Loaded loaded) {
        lastCheckNanos = System.nanoTime();
        final Path path = artifactPath;
        final FileStamp stamp;
        try {
            stamp = FileStamp.of(path);
        } catch (final IOException e) {
            if (lastFailedStamp == null) {
                getLogger().warn("Classifier artifact {} cannot be read ({}); scoring goes on with the model loaded before", path, e.toString());
                lastFailedStamp = new FileStamp(-1, -1, null);
            }
            return;
        }
        if (stamp.equals(loaded.stamp()) || stamp.equals(lastFailedStamp)) {
            return;
        }
        try {
            final Loaded reloaded = load(path, expectedSha256);
            final ClassifierModel model = reloaded.model();
            current.set(reloaded);
            lastFailedStamp = null;
            getLogger().info("Reloaded classifier {} from {}: {} classes, {} features", model.metadata().selectedClassifier(), path,
                    model.labels().size(), model.featureLength());
        } catch (final ArtifactFormatException | IOException e) {
            lastFailedStamp = stamp;
            getLogger().warn("The changed classifier artifact could not be loaded; scoring goes on with the model loaded before: {}", e.getMessage());
        }
    }

    /**
     * Reads the artifact, checking its digest first when one is expected, and returns it with the file state it was read from.
     * The digest and the zip are read through separate opens: a file replaced in between changes the state, which is refused here
     * and read again at the next check.
     */
    private static Loaded load(final Path path, final String expected) throws ArtifactFormatException, IOException {
        final FileStamp before = FileStamp.of(path);
        if (expected != null) {
            ArtifactDigest.check(path, expected);
        }
        final ClassifierModel model = ClassifierArtifact.read(path);
        if (!before.equals(FileStamp.of(path))) {
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

package dev.nificnn.services;

import dev.nificnn.classifier.ArtifactDigest;
import dev.nificnn.classifier.ClassifierArtifact;
import dev.nificnn.classifier.ClassifierKind;
import dev.nificnn.classifier.ClassifierModel;
import dev.nificnn.classifier.ClassifierTrainer;
import dev.nificnn.classifier.DirectorySnapshot;
import dev.nificnn.classifier.FeatureMatrix;
import dev.nificnn.classifier.FeatureSource;
import dev.nificnn.classifier.GaussianClusters;
import dev.nificnn.classifier.HostileArtifacts;
import dev.nificnn.classifier.TrainingSettings;
import org.apache.nifi.components.ConfigVerificationResult;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.reporting.InitializationException;
import org.apache.nifi.util.LogMessage;
import org.apache.nifi.util.MockComponentLog;
import org.apache.nifi.util.MockConfigurationContext;
import org.apache.nifi.util.MockControllerServiceInitializationContext;
import org.apache.nifi.state.MockStateManager;
import org.apache.nifi.util.NoOpProcessor;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClassifierModelServiceHostileTest {

    @TempDir
    static Path models;
    private static Path threeClasses;
    private static Path fourClasses;
    private static Map<String, HostileArtifacts.Hostile> hostile;

    @TempDir
    Path directory;
    private ClassifierModelService service;
    private MockComponentLog log;

    @BeforeAll
    static void buildArtifacts() throws Exception {
        final TrainingSettings settings = TrainingSettings.defaults().withEpochs(3, 1).withBatchSize(32).withLearningRate(0.01)
                .withHiddenLayers(List.of(16), 0.0);
        final FeatureMatrix clusters = GaussianClusters.matrix(60, 5, 3, 0.5, 1);
        threeClasses = models.resolve("three.classifier.zip");
        ClassifierArtifact.write(ClassifierTrainer.train(clusters, settings.withCandidates(Set.of(ClassifierKind.SOFTMAX_REGRESSION)),
                FeatureSource.UNKNOWN), threeClasses);
        final Path perceptron = models.resolve("perceptron.classifier.zip");
        ClassifierArtifact.write(ClassifierTrainer.train(clusters, settings.withCandidates(Set.of(ClassifierKind.MULTILAYER_PERCEPTRON)),
                FeatureSource.UNKNOWN), perceptron);
        fourClasses = models.resolve("four.classifier.zip");
        ClassifierArtifact.write(ClassifierTrainer.train(GaussianClusters.matrix(80, 7, 4, 0.5, 2),
                settings.withCandidates(Set.of(ClassifierKind.SOFTMAX_REGRESSION)), FeatureSource.UNKNOWN), fourClasses);
        hostile = HostileArtifacts.build(threeClasses, perceptron, Files.createDirectory(models.resolve("hostile")));
    }

    @BeforeEach
    void setUp() throws Exception {
        service = new ClassifierModelService();
        log = new MockComponentLog("classifier", service);
        service.initialize(new MockControllerServiceInitializationContext(service, "classifier", log, new MockStateManager(service)));
    }

    @Test
    void theServiceKeepsServingItsModelWhenTheFileIsReplacedByAHostileOne() throws Exception {
        final Path artifact = Files.copy(threeClasses, directory.resolve("model.classifier.zip"));
        service.onEnabled(context(artifact, null));
        final ClassifierModel before = service.getClassifier();
        for (final HostileArtifacts.Hostile replacement : hostile.values()) {
            replace(artifact, replacement.file());
            final DirectorySnapshot files = DirectorySnapshot.of(directory);
            final int warnings = log.getWarnMessages().size();

            final ClassifierModel served = assertTimeoutPreemptively(Duration.ofSeconds(1), () -> service.getClassifier(), replacement.name());

            assertSame(before, served, replacement.name());
            assertEquals(files, DirectorySnapshot.of(directory), replacement.name() + ": nothing is written");
            assertEquals(warnings + 1, log.getWarnMessages().size(), replacement.name());
            final String warning = text(log.getWarnMessages().getLast());
            assertTrue(warning.contains(replacement.reason()) && warning.contains(artifact.toString()), replacement.name() + ": " + warning);
        }
        assertEquals(3, service.getClassifier().probabilities(new float[] {1, 2, 3, 4, 5}, 1).length);
        replace(artifact, fourClasses);
        assertEquals(4, service.getClassifier().labels().size(), "a valid artifact after the hostile ones is loaded");
    }

    @Test
    void everyHostileArtifactIsRefusedAtEnableWithItsReason() {
        for (final HostileArtifacts.Hostile artifact : hostile.values()) {
            final InitializationException refusal = assertTimeoutPreemptively(Duration.ofSeconds(1),
                    () -> assertThrows(InitializationException.class, () -> service.onEnabled(context(artifact.file(), null))), artifact.name());
            assertTrue(refusal.getMessage().contains(artifact.reason()), artifact.name() + ": " + refusal.getMessage());
        }
    }

    @Test
    void anExpectedSha256PinsTheArtifact() throws Exception {
        final String pinned = ArtifactDigest.sha256(threeClasses);
        final Path artifact = Files.copy(threeClasses, directory.resolve("model.classifier.zip"));
        service.onEnabled(context(artifact, pinned.toUpperCase(Locale.ROOT)));
        final ClassifierModel before = service.getClassifier();

        // A valid artifact, but not the pinned one: refused before it is read, and the pinned model stays.
        replace(artifact, fourClasses);
        assertSame(before, service.getClassifier());
        final String warning = text(log.getWarnMessages().getLast());
        assertTrue(warning.contains("its SHA-256 is " + ArtifactDigest.sha256(fourClasses) + " but Expected SHA-256 is " + pinned), warning);

        replace(artifact, threeClasses);
        assertEquals(3, service.getClassifier().labels().size());

        final ClassifierModelService other = new ClassifierModelService();
        other.initialize(new MockControllerServiceInitializationContext(other, "other"));
        final InitializationException refusal = assertThrows(InitializationException.class,
                () -> other.onEnabled(new MockConfigurationContext(other, properties(fourClasses, pinned), null, Map.of())));
        assertTrue(refusal.getMessage().contains(fourClasses + " is refused: its SHA-256 is " + ArtifactDigest.sha256(fourClasses)), refusal.getMessage());
    }

    @Test
    void verifyChecksTheExpectedSha256() throws Exception {
        final List<ConfigVerificationResult> pinnedElsewhere = service.verify(context(fourClasses, ArtifactDigest.sha256(threeClasses)),
                log, Map.of());
        assertEquals(ConfigVerificationResult.Outcome.FAILED, pinnedElsewhere.getFirst().getOutcome());
        assertTrue(pinnedElsewhere.getFirst().getExplanation().contains("but Expected SHA-256 is"), pinnedElsewhere.getFirst().getExplanation());
        final List<ConfigVerificationResult> pinned = service.verify(context(threeClasses, ArtifactDigest.sha256(threeClasses)), log, Map.of());
        assertEquals(ConfigVerificationResult.Outcome.SUCCESSFUL, pinned.getFirst().getOutcome());
    }

    @Test
    void theExpectedSha256MustBeSixtyFourHexadecimalDigits() throws Exception {
        final TestRunner runner = TestRunners.newTestRunner(NoOpProcessor.class);
        final ClassifierModelService validated = new ClassifierModelService();
        runner.addControllerService("classifier", validated);
        runner.setProperty(validated, ClassifierModelService.ARTIFACT_PATH, threeClasses.toString());
        runner.assertValid(validated);
        for (final String invalid : List.of("abc", "g".repeat(64), "a".repeat(63), "a".repeat(65))) {
            runner.setProperty(validated, ClassifierModelService.EXPECTED_SHA256, invalid);
            runner.assertNotValid(validated);
        }
        runner.setProperty(validated, ClassifierModelService.EXPECTED_SHA256, ArtifactDigest.sha256(threeClasses));
        runner.assertValid(validated);
    }

    private MockConfigurationContext context(final Path artifact, final String expectedSha256) {
        return new MockConfigurationContext(service, properties(artifact, expectedSha256), null, Map.of());
    }

    private static Map<PropertyDescriptor, String> properties(final Path artifact, final String expectedSha256) {
        final Map<PropertyDescriptor, String> properties = new HashMap<>();
        properties.put(ClassifierModelService.ARTIFACT_PATH, artifact.toString());
        properties.put(ClassifierModelService.RELOAD_CHECK_INTERVAL, "0 sec");
        if (expectedSha256 != null) {
            properties.put(ClassifierModelService.EXPECTED_SHA256, expectedSha256);
        }
        return properties;
    }

    private static String text(final LogMessage message) {
        return message.getMsg() + " " + Arrays.toString(message.getArgs());
    }

    /** Replaces the artifact the way PutFile does (complete file renamed into place), with a newer modification time. */
    private static void replace(final Path artifact, final Path replacement) throws IOException {
        final Path staging = artifact.resolveSibling("." + artifact.getFileName());
        Files.copy(replacement, staging, StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(staging, FileTime.fromMillis(Files.getLastModifiedTime(artifact).toMillis() + 2000));
        Files.move(staging, artifact, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}

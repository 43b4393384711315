package dev.nificnn.services;

import dev.nificnn.classifier.ClassifierArtifact;
import dev.nificnn.classifier.ClassifierKind;
import dev.nificnn.classifier.ClassifierModel;
import dev.nificnn.classifier.ClassifierTrainer;
import dev.nificnn.classifier.FeatureSource;
import dev.nificnn.classifier.GaussianClusters;
import dev.nificnn.classifier.TrainingSettings;
import org.apache.nifi.components.ConfigVerificationResult;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.reporting.InitializationException;
import org.apache.nifi.util.MockComponentLog;
import org.apache.nifi.util.MockConfigurationContext;
import org.apache.nifi.util.MockControllerServiceInitializationContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClassifierModelServiceTest {

    @TempDir
    static Path models;
    private static Path threeClasses;
    private static Path fourClasses;

    @TempDir
    Path directory;
    private ClassifierModelService service;

    @BeforeAll
    static void trainModels() throws Exception {
        final TrainingSettings settings = TrainingSettings.defaults().withCandidates(Set.of(ClassifierKind.SOFTMAX_REGRESSION))
                .withEpochs(3, 1).withBatchSize(32).withLearningRate(0.01);
        threeClasses = models.resolve("three.classifier.zip");
        ClassifierArtifact.write(ClassifierTrainer.train(GaussianClusters.matrix(60, 5, 3, 0.5, 1), settings, FeatureSource.UNKNOWN), threeClasses);
        fourClasses = models.resolve("four.classifier.zip");
        ClassifierArtifact.write(ClassifierTrainer.train(GaussianClusters.matrix(80, 7, 4, 0.5, 2), settings, FeatureSource.UNKNOWN), fourClasses);
    }

    @BeforeEach
    void setUp() throws Exception {
        service = new ClassifierModelService();
        service.initialize(new MockControllerServiceInitializationContext(service, "classifier"));
    }

    private void enable(final Path artifact, final String checkInterval) throws InitializationException {
        service.onEnabled(context(artifact.toString(), checkInterval));
    }

    private MockConfigurationContext context(final String path, final String checkInterval) {
        final Map<PropertyDescriptor, String> properties = new HashMap<>();
        properties.put(ClassifierModelService.ARTIFACT_PATH, path);
        properties.put(ClassifierModelService.RELOAD_CHECK_INTERVAL, checkInterval);
        return new MockConfigurationContext(service, properties, null, Map.of());
    }

    @Test
    void exposesLabelsAndFeatureLength() throws Exception {
        final Path artifact = Files.copy(threeClasses, directory.resolve("model.zip"));
        enable(artifact, "10 sec");
        assertEquals(List.of("class-0", "class-1", "class-2"), service.getLabels());
        assertEquals(5, service.getFeatureLength());
    }

    @Test
    void swapsInAChangedArtifactAndTheOldModelKeepsScoring() throws Exception {
        final Path artifact = Files.copy(threeClasses, directory.resolve("model.zip"));
        enable(artifact, "0 sec");
        final ClassifierModel before = service.getClassifier();
        assertSame(before, service.getClassifier(), "an unchanged file is not reloaded");

        replace(artifact, fourClasses);
        final ClassifierModel after = service.getClassifier();
        assertEquals(4, after.labels().size());
        assertEquals(7, after.featureLength());
        // Scoring that took the old model before the swap finishes with it.
        final float[] probabilities = before.probabilities(new float[] {1, 2, 3, 4, 5}, 1);
        assertEquals(3, probabilities.length);
        assertEquals(1.0f, probabilities[0] + probabilities[1] + probabilities[2], 1e-5f);
    }

    @Test
    void aCorruptReplacementIsIgnoredAndTheCurrentModelStays() throws Exception {
        final Path artifact = Files.copy(threeClasses, directory.resolve("model.zip"));
        enable(artifact, "0 sec");
        final ClassifierModel before = service.getClassifier();
        final Path garbage = directory.resolve("garbage");
        Files.write(garbage, new byte[] {'P', 'K', 3, 4, 0, 0, 1, 2, 3});
        replace(artifact, garbage);
        assertSame(before, service.getClassifier());
        replace(artifact, fourClasses);
        assertEquals(4, service.getClassifier().labels().size(), "a later good artifact is picked up again");
    }

    @Test
    void theCheckIntervalThrottlesReloads() throws Exception {
        final Path artifact = Files.copy(threeClasses, directory.resolve("model.zip"));
        enable(artifact, "1 hour");
        replace(artifact, fourClasses);
        assertEquals(3, service.getClassifier().labels().size());
    }

    @Test
    void corruptOrForeignArtifactsAreRefusedAtEnableWithAClearMessage() throws Exception {
        final Path notZip = directory.resolve("weights.bin");
        Files.writeString(notZip, "definitely not a zip");
        assertTrue(assertThrows(InitializationException.class, () -> enable(notZip, "10 sec")).getMessage().contains("not a zip file"));

        final Path foreignZip = directory.resolve("foreign.zip");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(foreignZip))) {
            zip.putNextEntry(new ZipEntry("readme.txt"));
            zip.write("hello".getBytes());
        }
        assertTrue(assertThrows(InitializationException.class, () -> enable(foreignZip, "10 sec")).getMessage()
                .contains("is not a nifi-cnn classifier artifact"));

        // A real artifact cut short: a copy whose network coefficients are truncated.
        final byte[] complete = Files.readAllBytes(threeClasses);
        final Path truncated = directory.resolve("truncated.zip");
        Files.write(truncated, Arrays.copyOf(complete, complete.length / 2));
        final InitializationException truncatedError = assertThrows(InitializationException.class, () -> enable(truncated, "10 sec"));
        assertTrue(truncatedError.getMessage().contains("truncated.zip"), truncatedError.getMessage());

        final Path missing = directory.resolve("missing.zip");
        assertTrue(assertThrows(InitializationException.class, () -> enable(missing, "10 sec")).getMessage().contains("does not exist"));
    }

    @Test
    void verifyReportsWhatItLoaded() {
        final List<ConfigVerificationResult> results = service.verify(context(threeClasses.toString(), "10 sec"),
                new MockComponentLog("classifier", service), Map.of());
        assertEquals(1, results.size());
        assertEquals(ConfigVerificationResult.Outcome.SUCCESSFUL, results.getFirst().getOutcome());
        assertTrue(results.getFirst().getExplanation().contains("3 classes [class-0, class-1, class-2], 5 features"), results.getFirst().getExplanation());

        final List<ConfigVerificationResult> failed = service.verify(context(directory.resolve("nothing.zip").toString(), "10 sec"),
                new MockComponentLog("classifier", service), Map.of());
        assertEquals(ConfigVerificationResult.Outcome.FAILED, failed.getFirst().getOutcome());
    }

    /** Replaces the artifact the way PutFile does (complete file renamed into place), with a newer modification time. */
    private static void replace(final Path artifact, final Path replacement) throws IOException {
        final Path staging = artifact.resolveSibling("." + artifact.getFileName());
        Files.copy(replacement, staging, StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(staging, FileTime.fromMillis(Files.getLastModifiedTime(artifact).toMillis() + 2000));
        Files.move(staging, artifact, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}

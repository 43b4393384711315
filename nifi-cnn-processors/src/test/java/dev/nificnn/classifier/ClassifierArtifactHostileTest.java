package dev.nificnn.classifier;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClassifierArtifactHostileTest {

    @TempDir
    static Path directory;
    private static Path softmax;
    private static Map<String, HostileArtifacts.Hostile> hostile;

    @BeforeAll
    static void buildHostileArtifacts() throws Exception {
        final TrainingSettings settings = TrainingSettings.defaults().withEpochs(3, 1).withBatchSize(32).withLearningRate(0.01)
                .withHiddenLayers(List.of(16), 0.0);
        final FeatureMatrix clusters = GaussianClusters.matrix(60, 5, 3, 0.5, 1);
        softmax = directory.resolve("softmax.classifier.zip");
        ClassifierArtifact.write(ClassifierTrainer.train(clusters, settings.withCandidates(Set.of(ClassifierKind.SOFTMAX_REGRESSION)),
                FeatureSource.UNKNOWN), softmax);
        final Path perceptron = directory.resolve("perceptron.classifier.zip");
        ClassifierArtifact.write(ClassifierTrainer.train(clusters, settings.withCandidates(Set.of(ClassifierKind.MULTILAYER_PERCEPTRON)),
                FeatureSource.UNKNOWN), perceptron);
        hostile = HostileArtifacts.build(softmax, perceptron, directory);
        // The good artifacts load, so each refusal below is the flaw's doing.
        ClassifierArtifact.read(softmax);
        ClassifierArtifact.read(perceptron);
    }

    @Test
    void everyHostileArtifactIsRefusedWithinASecondNamingTheFileAndTheLimitAndNothingIsWritten() throws Exception {
        assertEquals(12, hostile.size());
        for (final HostileArtifacts.Hostile artifact : hostile.values()) {
            final DirectorySnapshot before = DirectorySnapshot.of(directory);
            final ArtifactFormatException refusal = assertTimeoutPreemptively(Duration.ofSeconds(1),
                    () -> assertThrows(ArtifactFormatException.class, () -> ClassifierArtifact.read(artifact.file())), artifact.name());
            assertTrue(refusal.getMessage().contains(artifact.file().toString()), artifact.name() + ": " + refusal.getMessage());
            assertTrue(refusal.getMessage().contains(artifact.reason()), artifact.name() + ": " + refusal.getMessage());
            assertEquals(before, DirectorySnapshot.of(directory), artifact.name() + ": reading wrote nothing");
        }
    }

    @Test
    void refusalsSayWhichLimitWasExceeded() throws Exception {
        final String bomb = assertThrows(ArtifactFormatException.class, () -> ClassifierArtifact.read(hostile.get("zip bomb entry").file())).getMessage();
        // Softmax regression of 5 features into 3 classes: 18 parameters, at most 274 bytes in ND4J's form (header and doubles).
        assertTrue(bomb.contains("entry 'coefficients.bin' declares 268435456 bytes, more than the 274 bytes the 18 parameters its configuration "
                + "declares take at most"), bomb);
        final String billions = assertThrows(ArtifactFormatException.class,
                () -> ClassifierArtifact.read(hostile.get("parameters declaring billions of elements").file())).getMessage();
        assertTrue(billions.contains("declares shape [3000000000] where a vector of 18 values is expected"), billions);
        final String network = assertThrows(ArtifactFormatException.class,
                () -> ClassifierArtifact.read(hostile.get("configuration declaring billions of parameters").file())).getMessage();
        // 5 x 2e9 + 2e9 hidden parameters and 2e9 x 3 + 3 output parameters.
        assertTrue(network.contains("declares 18000000003 parameters"), network);
        final String preprocessor = assertThrows(ArtifactFormatException.class,
                () -> ClassifierArtifact.read(hostile.get("preprocessor.bin deserialization bomb").file())).getMessage();
        assertTrue(preprocessor.contains("holds entries [preprocessor.bin] besides the entries an artifact may hold"), preprocessor);
    }

    @Test
    void theMetadataReaderRefusesTheSameEntryLists() {
        for (final String name : List.of("preprocessor.bin deserialization bomb", "entry named ../x", "duplicate entry", "foreign zip")) {
            final HostileArtifacts.Hostile artifact = hostile.get(name);
            final ArtifactFormatException refusal = assertThrows(ArtifactFormatException.class, () -> ClassifierArtifact.readMetadata(artifact.file()));
            assertTrue(refusal.getMessage().contains(artifact.reason()), name + ": " + refusal.getMessage());
        }
    }

    @Test
    void theHostileFilesAreWhatTheyClaimToBe() throws Exception {
        final Path bomb = hostile.get("zip bomb entry").file();
        assertTrue(Files.size(bomb) < 2 << 20, "a zip bomb is small on disk: " + Files.size(bomb));
        try (ZipFile zip = new ZipFile(hostile.get("duplicate entry").file().toFile())) {
            assertEquals(2, zip.stream().filter(entry -> entry.getName().equals("coefficients.bin")).count());
        }
        try (ZipFile zip = new ZipFile(hostile.get("zip bomb behind a lying size").file().toFile());
             InputStream input = zip.getInputStream(zip.getEntry("normalizer.bin"))) {
            assertEquals(328, zip.getEntry("normalizer.bin").getSize());
            assertEquals(64 << 20, input.transferTo(OutputStream.nullOutputStream()), "the entry inflates to far more than it declares");
        }
        assertTrue(HostileArtifacts.serializationBomb().length < 10_000);
    }
}

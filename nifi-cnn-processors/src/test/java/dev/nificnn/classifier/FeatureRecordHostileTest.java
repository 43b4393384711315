package dev.nificnn.classifier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Feature records declaring vectors longer than nifi-cnn reads, from record readers and from the training-set store on disk. */
class FeatureRecordHostileTest {

    private static final Duration SECOND = Duration.ofSeconds(1);
    private static final FeatureSource SOURCE = new FeatureSource("squeezenet1.1", "fire9");

    @Test
    void aVectorLongerThanAnArtifactCanHoldIsRefusedBeforeItIsCopied() {
        final List<Object> tooLong = Collections.nCopies(FeatureValues.MAXIMUM_LENGTH + 1, 0.5);
        final FeatureMatrixBuilder builder = new FeatureMatrixBuilder(1L << 40);
        final String message = assertTimeoutPreemptively(SECOND,
                () -> assertThrows(ClassifierInputException.class, () -> builder.add(tooLong, "ant"))).getMessage();
        assertEquals("Record 1 has a feature vector of 1000001 values, more than the 1000000 nifi-cnn reads", message);
        assertEquals(0, builder.rows());
    }

    @Test
    void theTrainingSetStoreRefusesTheSameVectors(@TempDir final Path root) throws Exception {
        final TrainingSetStore store = TrainingSetStore.open(root, "set-a", 1L << 40);
        try (TrainingSetStore.Block block = store.begin("input-1", 1, 0, SOURCE)) {
            final String message = assertThrows(ClassifierInputException.class,
                    () -> block.add("ant", new float[FeatureValues.MAXIMUM_LENGTH + 1], 7)).getMessage();
            assertEquals("Record 7 has a feature vector of 1000001 values, more than the 1000000 nifi-cnn reads", message);
        }
    }

    @Test
    void aVectorOfExactlyTheLimitIsRead() throws Exception {
        final FeatureMatrixBuilder builder = new FeatureMatrixBuilder(1L << 40);
        builder.add(new float[FeatureValues.MAXIMUM_LENGTH], "ant");
        assertEquals(1, builder.rows());
    }

    @Test
    void aStoredRecordDeclaringTwoBillionFeaturesIsNotTrustedWhenTheStoreIsReadBack(@TempDir final Path root) throws Exception {
        final TrainingSetStore store = TrainingSetStore.open(root, "set-a", 1L << 30);
        try (TrainingSetStore.Block block = store.begin("input-1", 2, 0, SOURCE)) {
            block.add("ant", new float[] {1.25f, 2.5f, 3.75f}, 1);
            block.commit();
        }
        final Path file;
        try (Stream<Path> files = Files.walk(root)) {
            file = files.filter(path -> path.getFileName().toString().equals("records.bin")).findFirst().orElseThrow();
        }
        // The record's length (3) followed by its first value: replace the length by 2^31 - 1.
        final byte[] content = Files.readAllBytes(file);
        final byte[] pattern = ByteBuffer.allocate(8).putInt(3).putFloat(1.25f).array();
        final int at = indexOf(content, pattern);
        assertTrue(at > 0, "the record is in the file");
        ByteBuffer.wrap(content).putInt(at, Integer.MAX_VALUE);
        Files.write(file, content);

        final TrainingSetStore reopened = assertTimeoutPreemptively(SECOND, () -> TrainingSetStore.open(root, "set-a", 1L << 30));
        // A block that does not read back as written was never acknowledged: it is dropped, and its input arrives again.
        assertEquals(0, reopened.records());
        assertFalse(reopened.contains("input-1"));
    }

    private static int indexOf(final byte[] content, final byte[] pattern) {
        for (int start = 0; start + pattern.length <= content.length; start++) {
            boolean matches = true;
            for (int index = 0; matches && index < pattern.length; index++) {
                matches = content[start + index] == pattern[index];
            }
            if (matches) {
                return start;
            }
        }
        return -1;
    }
}

package dev.nificnn.classifier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainingSetStoreTest {

    private static final FeatureSource SOURCE = new FeatureSource("squeezenet1.1", "fire9");

    private static void gather(final TrainingSetStore store, final String inputId, final long size, final String label, final float... features)
            throws Exception {
        try (TrainingSetStore.Block block = store.begin(inputId, size, 0, SOURCE)) {
            block.add(label, features, 1);
            block.commit();
        }
    }

    @Test
    void gathersAcrossReopeningAndLoadsExactValuesInLabelOrder(@TempDir final Path root) throws Exception {
        final TrainingSetStore store = TrainingSetStore.open(root, "set-a", 1 << 20);
        gather(store, "input-1", 4, "zebra", 1.5f, -2f);
        gather(store, "input-2", 4, "ant", 0.25f, 8f);
        try (TrainingSetStore.Block failed = store.begin("input-3", 4, 1, FeatureSource.UNKNOWN)) {
            failed.commit();
        }
        assertFalse(store.complete());

        final TrainingSetStore reopened = TrainingSetStore.open(root, "set-a", 1 << 20);
        assertEquals(List.of("set-a"), TrainingSetStore.existingSets(root));
        assertEquals(2, reopened.records());
        assertEquals(1, reopened.failedInputs());
        assertEquals(4, reopened.expectedInputs());
        assertTrue(reopened.contains("input-2"));
        assertEquals(SOURCE, reopened.source());
        gather(reopened, "input-4", 4, "ant", 3f, 4f);
        assertTrue(reopened.complete());
        assertEquals(Map.of("ant", 2, "zebra", 1), reopened.classCounts());

        final FeatureMatrix matrix = reopened.load();
        assertEquals(List.of("ant", "zebra"), matrix.classLabels());
        assertArrayEquals(new int[] {1, 0, 0}, matrix.classIndexes());
        assertArrayEquals(new float[] {1.5f, -2f, 0.25f, 8f, 3f, 4f}, matrix.values());
        reopened.delete();
        assertTrue(TrainingSetStore.existingSets(root).isEmpty());
    }

    @Test
    void aBlockCutShortByACrashIsCutOffAndItsInputArrivesAgain(@TempDir final Path root) throws Exception {
        final TrainingSetStore store = TrainingSetStore.open(root, "set-b", 1 << 20);
        gather(store, "input-1", 10, "cat", 1f, 2f, 3f);
        final Path file;
        try (var folders = Files.list(root)) {
            file = folders.findFirst().orElseThrow().resolve("records.bin");
        }
        final long goodLength = Files.size(file);
        // What a crash in the middle of writing the next block leaves: its header and part of a record.
        final TrainingSetStore.Block torn = store.begin("input-2", 10, 0, SOURCE);
        torn.add("dog", new float[] {4f, 5f, 6f}, 1);
        Files.write(file, new byte[] {0x4E, 0x43, 0x54, 0x53, 0, 5, 's', 'e', 't'}, StandardOpenOption.APPEND);

        final TrainingSetStore reopened = TrainingSetStore.open(root, "set-b", 1 << 20);
        assertEquals(1, reopened.records());
        assertFalse(reopened.contains("input-2"));
        assertEquals(goodLength, Files.size(file), "the torn block is cut off");
        gather(reopened, "input-2", 10, "dog", 4f, 5f, 6f);
        assertArrayEquals(new float[] {1f, 2f, 3f, 4f, 5f, 6f}, reopened.load().values());
    }

    @Test
    void refusesASetLargerThanTheLimitAndALengthChange(@TempDir final Path root) throws Exception {
        // Two records of 4 features take 2 x (16 + 4) = 40 bytes; the limit allows 39.
        final TrainingSetStore store = TrainingSetStore.open(root, "set-c", 39);
        gather(store, "input-1", 5, "a", 1f, 2f, 3f, 4f);
        final ClassifierInputException tooLarge = assertThrows(ClassifierInputException.class, () -> gather(store, "input-2", 5, "b", 1f, 2f, 3f, 4f));
        assertTrue(tooLarge.getMessage().contains("Maximum Training Matrix Size"), tooLarge.getMessage());
        final ClassifierInputException length = assertThrows(ClassifierInputException.class, () -> gather(store, "input-3", 5, "b", 1f));
        assertTrue(length.getMessage().contains("1 features but the training set's records have 4"), length.getMessage());
        final ClassifierInputException notFinite = assertThrows(ClassifierInputException.class,
                () -> gather(TrainingSetStore.open(root, "set-d", 1 << 20), "input-4", 5, "b", Float.NaN, 1f, 1f, 1f));
        assertTrue(notFinite.getMessage().toLowerCase().contains("nan") || notFinite.getMessage().contains("finite"), notFinite.getMessage());
        assertEquals(1, TrainingSetStore.open(root, "set-c", 39).records(), "refused blocks leave nothing behind");
    }
}

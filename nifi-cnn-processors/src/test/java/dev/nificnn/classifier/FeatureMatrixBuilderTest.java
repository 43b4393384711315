package dev.nificnn.classifier;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FeatureMatrixBuilderTest {

    @Test
    void holdsAllRowsInOneArrayWithAlphabeticalClassIndexes() throws Exception {
        final FeatureMatrixBuilder builder = new FeatureMatrixBuilder(1 << 20);
        builder.add(new Object[] {1.0, 2.0, 3.0}, "zebra");
        builder.add(new float[] {4, 5, 6}, "ant");
        builder.add(List.of(7, 8L, "9"), "zebra");
        builder.add(new double[] {10, 11, 12}, "moth");
        final FeatureMatrix matrix = builder.build();

        assertEquals(4, matrix.rows());
        assertEquals(3, matrix.columns());
        assertEquals(List.of("ant", "moth", "zebra"), matrix.classLabels());
        assertArrayEquals(new int[] {2, 0, 2, 1}, Arrays.copyOf(matrix.classIndexes(), 4));
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, Arrays.copyOf(matrix.values(), 12));
        assertArrayEquals(new int[] {1, 1, 2}, matrix.classCounts());
    }

    @Test
    void growsPastItsInitialCapacity() throws Exception {
        final FeatureMatrixBuilder builder = new FeatureMatrixBuilder(1 << 20);
        for (int row = 0; row < 5000; row++) {
            builder.add(new float[] {row, -row}, row % 2 == 0 ? "even" : "odd");
        }
        final FeatureMatrix matrix = builder.build();
        assertEquals(5000, matrix.rows());
        assertEquals(4999f, matrix.values()[4999 * 2]);
        assertEquals(-4999f, matrix.values()[4999 * 2 + 1]);
        assertEquals(1, matrix.classIndexes()[4999]);
    }

    @Test
    void refusesAMatrixOverTheLimitBeforeAllocatingIt() throws Exception {
        // 4 features x 4 bytes + 4 bytes of label = 20 bytes a row: 10 rows fit in 200 bytes, the 11th does not.
        final FeatureMatrixBuilder builder = new FeatureMatrixBuilder(200);
        for (int row = 0; row < 10; row++) {
            builder.add(new float[] {1, 2, 3, 4}, "a");
        }
        final ClassifierInputException error = assertThrows(ClassifierInputException.class, () -> builder.add(new float[] {1, 2, 3, 4}, "a"));
        assertTrue(error.getMessage().contains("11 or more records x 4 features x 4 bytes need at least 220 bytes, the limit is 200 bytes"),
                error.getMessage());
        assertEquals(220, FeatureMatrix.memoryBytes(11, 4));
    }

    @Test
    void namesTheRecordAndFeatureOfBadValues() {
        final FeatureMatrixBuilder builder = new FeatureMatrixBuilder(1 << 20);
        assertEquals("Record 1: feature 1 is NaN",
                assertThrows(ClassifierInputException.class, () -> builder.add(new float[] {1, Float.NaN}, "a")).getMessage());
        assertEquals("Record 1: feature 0 is infinite (or too large for float32)",
                assertThrows(ClassifierInputException.class, () -> builder.add(new Object[] {1e300, 1.0}, "a")).getMessage());
        assertEquals("Record 1: feature 1 is null",
                assertThrows(ClassifierInputException.class, () -> builder.add(new Object[] {1.0, null}, "a")).getMessage());
        assertEquals("Record 1 has no label", assertThrows(ClassifierInputException.class, () -> builder.add(new float[] {1, 2}, " ")).getMessage());
        assertThrows(ClassifierInputException.class, builder::build);
    }

    @Test
    void stratifiedSplitKeepsEachClassShare() throws Exception {
        final FeatureMatrixBuilder builder = new FeatureMatrixBuilder(1 << 20);
        for (int row = 0; row < 100; row++) {
            builder.add(new float[] {row}, row < 80 ? "common" : "rare");
        }
        final FeatureMatrix matrix = builder.build();
        final StratifiedSplit split = StratifiedSplit.of(matrix, 0.1, 42);
        assertEquals(10, split.validationRows().length);
        assertEquals(90, split.trainingRows().length);
        final long rareInValidation = Arrays.stream(split.validationRows()).filter(row -> row >= 80).count();
        assertEquals(2, rareInValidation);
    }
}

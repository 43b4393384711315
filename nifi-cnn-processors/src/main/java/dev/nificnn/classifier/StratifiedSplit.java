package dev.nificnn.classifier;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A seeded split of a matrix's rows into training and validation rows that keeps each class's share in both parts.
 *
 * @param trainingRows row indexes used for fitting, ascending
 * @param validationRows row indexes held out for early stopping and model selection, ascending
 */
public record StratifiedSplit(int[] trainingRows, int[] validationRows) {

    /**
     * Splits the rows so that each class puts round(count x fraction) rows, at least one, into validation and at least one into training.
     *
     * @throws ClassifierInputException when a class has fewer than two examples
     */
    public static StratifiedSplit of(final FeatureMatrix matrix, final double validationFraction, final long seed) throws ClassifierInputException {
        if (!(validationFraction > 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("Validation fraction must be between 0 and 1, exclusive: " + validationFraction);
        }
        final int classCount = matrix.classCount();
        final int[] counts = matrix.classCounts();
        final List<String> labels = matrix.classLabels();
        for (int classIndex = 0; classIndex < classCount; classIndex++) {
            if (counts[classIndex] < 2) {
                throw new ClassifierInputException("Class '" + labels.get(classIndex) + "' has " + counts[classIndex]
                        + " example: the stratified validation split needs at least 2 examples of every class");
            }
        }
        final int[][] rowsByClass = new int[classCount][];
        final int[] filled = new int[classCount];
        for (int classIndex = 0; classIndex < classCount; classIndex++) {
            rowsByClass[classIndex] = new int[counts[classIndex]];
        }
        final int[] classIndexes = matrix.classIndexes();
        for (int row = 0; row < matrix.rows(); row++) {
            final int classIndex = classIndexes[row];
            rowsByClass[classIndex][filled[classIndex]++] = row;
        }
        final Random random = new Random(seed);
        int validationTotal = 0;
        final int[] validationCounts = new int[classCount];
        for (int classIndex = 0; classIndex < classCount; classIndex++) {
            shuffle(rowsByClass[classIndex], random);
            final int count = counts[classIndex];
            validationCounts[classIndex] = (int) Math.min(count - 1, Math.max(1, Math.round(count * validationFraction)));
            validationTotal += validationCounts[classIndex];
        }
        final int[] validation = new int[validationTotal];
        final int[] training = new int[matrix.rows() - validationTotal];
        int validationFilled = 0;
        int trainingFilled = 0;
        for (int classIndex = 0; classIndex < classCount; classIndex++) {
            final int[] rows = rowsByClass[classIndex];
            final int validationCount = validationCounts[classIndex];
            System.arraycopy(rows, 0, validation, validationFilled, validationCount);
            validationFilled += validationCount;
            System.arraycopy(rows, validationCount, training, trainingFilled, rows.length - validationCount);
            trainingFilled += rows.length - validationCount;
        }
        Arrays.sort(validation);
        Arrays.sort(training);
        return new StratifiedSplit(training, validation);
    }

    /** Fisher-Yates shuffle with the given random source, so the order depends on the seed only. */
    static void shuffle(final int[] values, final Random random) {
        for (int index = values.length - 1; index > 0; index--) {
            final int other = random.nextInt(index + 1);
            final int swap = values[index];
            values[index] = values[other];
            values[other] = swap;
        }
    }
}

package dev.nificnn.classifier;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerStandardize;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Per-feature mean and standard deviation fitted on the training rows only, applied in place to the whole matrix.
 * <p>
 * A feature that is constant in the training rows gets a standard deviation of 1, so that at scoring time an unseen value
 * moves the input by its distance from the mean instead of exploding when divided by a tiny number.
 */
public final class Standardisation {

    private static final double CONSTANT_FEATURE_THRESHOLD = 1e-6;

    private final float[] mean;
    private final float[] standardDeviation;

    private Standardisation(final float[] mean, final float[] standardDeviation) {
        this.mean = mean;
        this.standardDeviation = standardDeviation;
    }

    /** Fits mean and standard deviation of each column over the given rows (double accumulation, population variance). */
    public static Standardisation fit(final FeatureMatrix matrix, final int[] rows) {
        final int columns = matrix.columns();
        final float[] values = matrix.values();
        final double[] sum = new double[columns];
        final double[] sumOfSquares = new double[columns];
        for (final int row : rows) {
            final int offset = row * columns;
            for (int column = 0; column < columns; column++) {
                final double value = values[offset + column];
                sum[column] += value;
                sumOfSquares[column] += value * value;
            }
        }
        final float[] mean = new float[columns];
        final float[] standardDeviation = new float[columns];
        for (int column = 0; column < columns; column++) {
            final double average = sum[column] / rows.length;
            final double variance = Math.max(0, sumOfSquares[column] / rows.length - average * average);
            final double deviation = Math.sqrt(variance);
            mean[column] = (float) average;
            standardDeviation[column] = deviation < CONSTANT_FEATURE_THRESHOLD ? 1f : (float) deviation;
        }
        return new Standardisation(mean, standardDeviation);
    }

    /** Standardises every row of the matrix in place. */
    public void applyInPlace(final FeatureMatrix matrix) {
        final int columns = matrix.columns();
        final float[] values = matrix.values();
        for (int row = 0; row < matrix.rows(); row++) {
            final int offset = row * columns;
            for (int column = 0; column < columns; column++) {
                values[offset + column] = (values[offset + column] - mean[column]) / standardDeviation[column];
            }
        }
    }

    /** Returns the equivalent DL4J normaliser, stored in the model artifact and applied when scoring. */
    public NormalizerStandardize toNormalizer() {
        final NormalizerStandardize normalizer = new NormalizerStandardize(
                Nd4j.create(mean, new long[] {1, mean.length}, DataType.FLOAT),
                Nd4j.create(standardDeviation, new long[] {1, standardDeviation.length}, DataType.FLOAT));
        return normalizer;
    }
}

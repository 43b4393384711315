package dev.nificnn.benchmarks;

import dev.nificnn.classifier.ClassifierInputException;
import dev.nificnn.classifier.FeatureMatrix;
import dev.nificnn.classifier.FeatureMatrixBuilder;
import dev.nificnn.image.NpyWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * A seeded synthetic stand-in for CNN features: 10 classes, each a Gaussian cluster around its own random centre, overlapping enough
 * that a linear classifier reaches roughly 90% rather than 100%.
 * <p>
 * {@code main(directory)} writes it as features.npy (rows x columns float32) and labels.npy (class index as float32) for
 * bench/sklearn-logistic-regression.py, so that both sides train on exactly the same matrix.
 */
public final class SyntheticFeatureSet {

    public static final int ROWS = 50_000;
    public static final int COLUMNS = 512;
    public static final int CLASSES = 10;
    /** Standard deviation of every feature around its class centre. */
    private static final double NOISE = 5.0;
    private static final long SEED = 2026L;

    private SyntheticFeatureSet() {
    }

    /** Returns the raw values, row-major, and fills classIndexes with each row's class. */
    public static float[] values(final int[] classIndexes) {
        final Random random = new Random(SEED);
        final float[][] centres = new float[CLASSES][COLUMNS];
        for (final float[] centre : centres) {
            for (int column = 0; column < COLUMNS; column++) {
                // Non-negative centres with a shared offset, like pooled ReLU activations.
                centre[column] = (float) (2.0 + Math.abs(random.nextGaussian()));
            }
        }
        final float[] values = new float[ROWS * COLUMNS];
        for (int row = 0; row < ROWS; row++) {
            final int classIndex = random.nextInt(CLASSES);
            classIndexes[row] = classIndex;
            for (int column = 0; column < COLUMNS; column++) {
                values[row * COLUMNS + column] = (float) (centres[classIndex][column] + NOISE * random.nextGaussian());
            }
        }
        return values;
    }

    /** Returns the set as a feature matrix, built the way TrainImageClassifier builds it from records. */
    public static FeatureMatrix matrix() throws ClassifierInputException {
        final int[] classIndexes = new int[ROWS];
        final float[] values = values(classIndexes);
        final FeatureMatrixBuilder builder = new FeatureMatrixBuilder(Long.MAX_VALUE);
        final float[] row = new float[COLUMNS];
        for (int index = 0; index < ROWS; index++) {
            System.arraycopy(values, index * COLUMNS, row, 0, COLUMNS);
            builder.add(row, "class-" + classIndexes[index]);
        }
        return builder.build();
    }

    /** Writes features.npy and labels.npy into the given folder. */
    public static void main(final String[] arguments) throws IOException {
        final Path directory = Path.of(arguments.length > 0 ? arguments[0] : "target/classifier-benchmark");
        Files.createDirectories(directory);
        final int[] classIndexes = new int[ROWS];
        final float[] values = values(classIndexes);
        final float[] labels = new float[ROWS];
        for (int row = 0; row < ROWS; row++) {
            labels[row] = classIndexes[row];
        }
        Files.write(directory.resolve("features.npy"), NpyWriter.write(values, new int[] {ROWS, COLUMNS}));
        Files.write(directory.resolve("labels.npy"), NpyWriter.write(labels, new int[] {ROWS}));
        System.out.println("Wrote " + ROWS + " x " + COLUMNS + " features and labels to " + directory.toAbsolutePath());
    }
}

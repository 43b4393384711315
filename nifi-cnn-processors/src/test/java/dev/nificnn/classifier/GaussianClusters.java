package dev.nificnn.classifier;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Seeded synthetic feature sets for tests: one Gaussian cluster per class around a random centre. */
public final class GaussianClusters {

    private GaussianClusters() {
    }

    /** Returns a matrix of rows x columns features in classCount classes named class-0.., with the given cluster spread. */
    public static FeatureMatrix matrix(final int rows, final int columns, final int classCount, final double spread, final long seed) throws ClassifierInputException {
        final Random random = new Random(seed);
        final float[][] centres = new float[classCount][columns];
        for (final float[] centre : centres) {
            for (int column = 0; column < columns; column++) {
                centre[column] = (float) random.nextGaussian();
            }
        }
        final FeatureMatrixBuilder builder = new FeatureMatrixBuilder(Long.MAX_VALUE);
        final float[] row = new float[columns];
        for (int index = 0; index < rows; index++) {
            final int classIndex = index % classCount;
            for (int column = 0; column < columns; column++) {
                row[column] = (float) (centres[classIndex][column] + spread * random.nextGaussian());
            }
            builder.add(row, "class-" + classIndex);
        }
        return builder.build();
    }

    public static List<String> labels(final int classCount) {
        final List<String> labels = new ArrayList<>();
        for (int index = 0; index < classCount; index++) {
            labels.add("class-" + index);
        }
        return labels;
    }
}

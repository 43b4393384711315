package dev.nificnn.classifier;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * Labelled feature vectors held as one row-major float array (rows x columns) and one class index per row.
 * <p>
 * The whole training set lives in this single array, so it costs rows x columns x 4 bytes plus 4 bytes per row for the labels.
 */
public final class FeatureMatrix {

    private final float[] values;
    private final int rows;
    private final int columns;
    private final int[] classIndexes;
    private final List<String> classLabels;

    /**
     * @param values row-major features; only the first rows x columns are used
     * @param rows number of records
     * @param columns feature length
     * @param classIndexes class index of each row, into classLabels
     * @param classLabels class labels in index order
     */
    public FeatureMatrix(final float[] values, final int rows, final int columns, final int[] classIndexes, final List<String> classLabels) {
        this.values = Objects.requireNonNull(values, "values");
        this.classIndexes = Objects.requireNonNull(classIndexes, "classIndexes");
        this.classLabels = List.copyOf(classLabels);
        if ((long) rows * columns > values.length || rows > classIndexes.length) {
            throw new IllegalArgumentException("Matrix of " + rows + " x " + columns + " does not fit its arrays");
        }
        this.rows = rows;
        this.columns = columns;
    }

    /** Returns the backing row-major array (shared, not copied: the trainer standardises it in place). */
    public float[] values() {
        return values;
    }

    public int rows() {
        return rows;
    }

    public int columns() {
        return columns;
    }

    /** Returns the backing class index array (shared, not copied). */
    public int[] classIndexes() {
        return classIndexes;
    }

    public List<String> classLabels() {
        return classLabels;
    }

    public int classCount() {
        return classLabels.size();
    }

    /** Returns how many rows each class has. */
    public int[] classCounts() {
        final int[] counts = new int[classLabels.size()];
        for (int row = 0; row < rows; row++) {
            counts[classIndexes[row]]++;
        }
        return counts;
    }

    /** Returns the bytes a matrix of this many rows and columns occupies in memory (features and labels). */
    public static long memoryBytes(final long rows, final long columns) {
        return rows * columns * Float.BYTES + rows * Integer.BYTES;
    }

    /** Returns a SHA-256 hex digest over the labels and the feature values, identifying the training set. */
    public String sha256() {
        try {
            final MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (final String label : classLabels) {
                digest.update(label.getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
            }
            final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
            for (int row = 0; row < rows; row++) {
                if (buffer.remaining() < Integer.BYTES) {
                    digest.update(buffer.flip());
                    buffer.clear();
                }
                buffer.putInt(classIndexes[row]);
            }
            final long total = (long) rows * columns;
            for (long index = 0; index < total; index++) {
                if (buffer.remaining() < Float.BYTES) {
                    digest.update(buffer.flip());
                    buffer.clear();
                }
                buffer.putFloat(values[(int) index]);
            }
            digest.update(buffer.flip());
            return HexFormat.of().formatHex(digest.digest());
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}

package dev.nificnn.classifier;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Collects labelled feature vectors record by record into one growing float array, refusing a set larger than a byte limit
 * before allocating it.
 * <p>
 * Class labels are ordered alphabetically when the matrix is built, so the same records always give the same class indexes.
 */
public final class FeatureMatrixBuilder {

    /** The largest Java array the JVM reliably allocates. */
    private static final long MAXIMUM_ARRAY_LENGTH = Integer.MAX_VALUE - 16L;
    private static final int INITIAL_ROWS = 1024;

    private final long maximumBytes;
    private float[] values = new float[0];
    private int[] labelIds = new int[0];
    private int rows;
    private int columns = -1;
    private final Map<String, Integer> labelIdsByLabel = new HashMap<>();
    private final List<String> labelsInArrivalOrder = new ArrayList<>();

    /**
     * @param maximumBytes the most memory the matrix may take (rows x columns x 4 bytes plus 4 bytes per row)
     */
    public FeatureMatrixBuilder(final long maximumBytes) {
        if (maximumBytes <= 0) {
            throw new IllegalArgumentException("Maximum bytes must be positive");
        }
        this.maximumBytes = maximumBytes;
    }

    /**
     * Appends one record.
     *
     * @param features the record's feature field value (array or list of numbers)
     * @param label the record's label
     * @throws ClassifierInputException when the label is missing, the features are not finite numbers, the length differs
     *     from the first record's, or the matrix would exceed the limit
     */
    public void add(final Object features, final String label) throws ClassifierInputException {
        final long recordNumber = rows + 1L;
        if (label == null || label.isBlank()) {
            throw new ClassifierInputException("Record " + recordNumber + " has no label");
        }
        final int length = FeatureValues.length(features, recordNumber);
        if (length < 0) {
            throw new ClassifierInputException("Record " + recordNumber + " has no feature vector (the feature field is "
                    + (features == null ? "missing or null" : "a " + features.getClass().getSimpleName() + ", not an array of numbers") + ")");
        }
        if (columns < 0) {
            if (length == 0) {
                throw new ClassifierInputException("Record 1 has an empty feature vector");
            }
            columns = length;
        } else if (length != columns) {
            throw new ClassifierInputException("Record " + recordNumber + " has " + length + " features but record 1 has " + columns
                    + ": all feature vectors must have the same length");
        }
        ensureCapacity(rows + 1);
        FeatureValues.copy(features, values, rows * columns, recordNumber);
        labelIds[rows] = labelIdsByLabel.computeIfAbsent(label, key -> {
            labelsInArrivalOrder.add(key);
            return labelsInArrivalOrder.size() - 1;
        });
        rows++;
    }

    /** Returns the number of records added so far. */
    public int rows() {
        return rows;
    }

    /**
     * Builds the matrix; the builder must not be used afterwards.
     *
     * @throws ClassifierInputException when no record was added
     */
    public FeatureMatrix build() throws ClassifierInputException {
        if (rows == 0) {
            throw new ClassifierInputException("The input holds no records: there is nothing to train on");
        }
        final List<String> sortedLabels = new ArrayList<>(labelsInArrivalOrder);
        sortedLabels.sort(null);
        final int[] sortedIndexOfLabelId = new int[labelsInArrivalOrder.size()];
        for (int labelId = 0; labelId < labelsInArrivalOrder.size(); labelId++) {
            sortedIndexOfLabelId[labelId] = sortedLabels.indexOf(labelsInArrivalOrder.get(labelId));
        }
        for (int row = 0; row < rows; row++) {
            labelIds[row] = sortedIndexOfLabelId[labelIds[row]];
        }
        return new FeatureMatrix(values, rows, columns, labelIds, sortedLabels);
    }

    private void ensureCapacity(final int requiredRows) throws ClassifierInputException {
        final long requiredBytes = FeatureMatrix.memoryBytes(requiredRows, columns);
        if (requiredBytes > maximumBytes || (long) requiredRows * columns > MAXIMUM_ARRAY_LENGTH) {
            throw new ClassifierInputException("The training set is larger than the Maximum Training Matrix Size: " + requiredRows
                    + " or more records x " + columns + " features x 4 bytes need at least " + requiredBytes + " bytes, the limit is "
                    + maximumBytes + " bytes");
        }
        final int capacity = labelIds.length;
        if (requiredRows <= capacity) {
            return;
        }
        // Grow by half, but never past what the limit allows, so a set just under the limit still fits.
        final long rowsAllowed = Math.min(maximumBytes / ((long) columns * Float.BYTES + Integer.BYTES), MAXIMUM_ARRAY_LENGTH / columns);
        final long grown = Math.max(Math.max(INITIAL_ROWS, requiredRows), capacity + (capacity >> 1));
        final int newCapacity = (int) Math.min(grown, rowsAllowed);
        values = Arrays.copyOf(values, newCapacity * columns);
        labelIds = Arrays.copyOf(labelIds, newCapacity);
    }
}

package dev.nificnn.classifier;

import java.util.List;

/** Copies a feature vector held in a record field (array or list of numbers) into a float array without keeping it. */
public final class FeatureValues {

    /** The longest feature vector read: as long as a classifier artifact may declare, so every record read can be trained or scored. */
    public static final int MAXIMUM_LENGTH = ClassifierArtifact.MAX_FEATURE_LENGTH;

    private FeatureValues() {
    }

    /**
     * Returns the number of values a feature field holds, or -1 when the value is not an array or list of numbers.
     *
     * @param recordNumber 1-based record number used in error messages
     * @throws ClassifierInputException when it holds more than {@value #MAXIMUM_LENGTH} values
     */
    public static int length(final Object value, final long recordNumber) throws ClassifierInputException {
        final int length = length(value);
        if (length > MAXIMUM_LENGTH) {
            throw new ClassifierInputException("Record " + recordNumber + " has a feature vector of " + length + " values, more than the "
                    + MAXIMUM_LENGTH + " nifi-cnn reads");
        }
        return length;
    }

    private static int length(final Object value) {
        if (value instanceof Object[] objects) {
            return objects.length;
        } else if (value instanceof float[] floats) {
            return floats.length;
        } else if (value instanceof double[] doubles) {
            return doubles.length;
        } else if (value instanceof List<?> list) {
            return list.size();
        }
        return -1;
    }

    /**
     * Copies the values into destination starting at offset, checking that each one is a finite number.
     *
     * @param value the record field value; its length must already be known to fit
     * @param destination where the values go
     * @param offset the first index to write
     * @param recordNumber 1-based record number used in error messages
     * @throws ClassifierInputException when a value is missing, not a number, NaN or infinite
     */
    public static void copy(final Object value, final float[] destination, final int offset, final long recordNumber) throws ClassifierInputException {
        if (value instanceof float[] floats) {
            for (int index = 0; index < floats.length; index++) {
                destination[offset + index] = finite(floats[index], index, recordNumber);
            }
        } else if (value instanceof double[] doubles) {
            for (int index = 0; index < doubles.length; index++) {
                destination[offset + index] = finite((float) doubles[index], index, recordNumber);
            }
        } else if (value instanceof Object[] objects) {
            for (int index = 0; index < objects.length; index++) {
                destination[offset + index] = finite(number(objects[index], index, recordNumber), index, recordNumber);
            }
        } else if (value instanceof List<?> list) {
            int index = 0;
            for (final Object element : list) {
                destination[offset + index] = finite(number(element, index, recordNumber), index, recordNumber);
                index++;
            }
        } else {
            throw new ClassifierInputException("Record " + recordNumber + ": the feature field is not an array of numbers");
        }
    }

    private static float number(final Object element, final int index, final long recordNumber) throws ClassifierInputException {
        if (element instanceof Number number) {
            return number.floatValue();
        }
        if (element instanceof String text) {
            try {
                return Float.parseFloat(text.trim());
            } catch (final NumberFormatException e) {
                throw new ClassifierInputException("Record " + recordNumber + ": feature " + index + " is not a number: '" + text + "'");
            }
        }
        throw new ClassifierInputException("Record " + recordNumber + ": feature " + index + " is "
                + (element == null ? "null" : "not a number (" + element.getClass().getSimpleName() + ")"));
    }

    private static float finite(final float value, final int index, final long recordNumber) throws ClassifierInputException {
        if (Float.isNaN(value)) {
            throw new ClassifierInputException("Record " + recordNumber + ": feature " + index + " is NaN");
        }
        if (Float.isInfinite(value)) {
            throw new ClassifierInputException("Record " + recordNumber + ": feature " + index + " is infinite (or too large for float32)");
        }
        return value;
    }
}

package dev.nificnn.classifier;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.DataInputStream;
import java.io.IOException;
import java.util.Arrays;

/**
 * Reads one vector in the binary form {@code Nd4j.write} gives it, refusing any declared length other than the expected one before
 * allocating.
 * <p>
 * {@code Nd4j.read} allocates whatever element count the header declares, so a few bytes can ask for gigabytes; this reader
 * compares the shape and the data length with what the configuration implies first. The form is two buffers, each an allocation
 * mode (UTF), a long length, a data type (UTF) and the elements big-endian: the shape information (longs: rank, shape, strides,
 * flags, element-wise stride, order) and then the data.
 */
final class NdVectorReader {

    private static final String LONG_LENGTH_MODE = "MIXED_DATA_TYPES";
    private static final String LONG_SHAPE_MODE = "LONG_SHAPE";
    private static final int MAX_RANK = 2;

    private NdVectorReader() {
    }

    /**
     * The most bytes one vector of the given length takes in this form (a rank-2 shape, double elements), for entry size limits.
     */
    static long maxBytes(final long length) {
        final long shapeBuffer = utfBytes(LONG_LENGTH_MODE) + Long.BYTES + utfBytes("LONG") + (2L * MAX_RANK + 4) * Long.BYTES;
        final long dataHeader = utfBytes(LONG_LENGTH_MODE) + Long.BYTES + utfBytes("DOUBLE");
        return shapeBuffer + dataHeader + length * Double.BYTES;
    }

    /**
     * Reads a vector of exactly {@code expectedLength} float or double elements, shaped [n] or [1, n], from an in-memory entry
     * (a stream over a byte array, whose {@code available()} is exact).
     *
     * @param what what the vector is, for messages (e.g. "entry 'coefficients.bin' of classifier artifact x.zip")
     * @throws ArtifactFormatException when the header declares another shape, length or type, or the input ends early
     */
    static INDArray read(final DataInputStream input, final int expectedLength, final String what) throws ArtifactFormatException {
        try {
            final long[] shapeInformation = readShapeInformation(input, what);
            final long rank = shapeInformation[0];
            final long[] shape = new long[(int) rank];
            long elements = 1;
            for (int axis = 0; axis < rank; axis++) {
                shape[axis] = shapeInformation[1 + axis];
                // Each dimension at most the expected length keeps the product of two of them within a long.
                elements = shape[axis] < 0 || shape[axis] > expectedLength ? -1 : elements * shape[axis];
                if (elements < 0) {
                    break;
                }
            }
            if (elements != expectedLength || rank == MAX_RANK && shape[0] != 1) {
                throw new ArtifactFormatException(what + " declares shape " + Arrays.toString(shape) + " where a vector of "
                        + expectedLength + " values is expected");
            }
            final char order = (char) shapeInformation[shapeInformation.length - 1];
            final String mode = input.readUTF();
            final long length = checkedLength(mode, input, what);
            if (length != expectedLength) {
                throw new ArtifactFormatException(what + " declares " + length + " values where " + expectedLength + " are expected");
            }
            final String type = input.readUTF();
            return switch (type) {
                case "FLOAT" -> floats(input, shape, order, (int) length, what);
                case "DOUBLE" -> doubles(input, shape, order, (int) length, what);
                default -> throw new ArtifactFormatException(what + " holds " + type + " values; only FLOAT and DOUBLE are read");
            };
        } catch (final IOException e) {
            throw new ArtifactFormatException(what + " ends before the values it declares (" + e + ")", e);
        }
    }

    private static long[] readShapeInformation(final DataInputStream input, final String what) throws IOException, ArtifactFormatException {
        final String mode = input.readUTF();
        final long length = checkedLength(mode, input, what);
        final String type = input.readUTF();
        if (!"LONG".equals(type) || length < 6 || length > 2L * MAX_RANK + 4) {
            throw new ArtifactFormatException(what + " has a shape header of " + length + " " + type
                    + " values; a vector's has 6 or 8 LONG values");
        }
        final long[] shapeInformation = new long[(int) length];
        for (int index = 0; index < shapeInformation.length; index++) {
            shapeInformation[index] = input.readLong();
        }
        final long order = shapeInformation[shapeInformation.length - 1];
        if (shapeInformation[0] * 2 + 4 != length || order != 'c' && order != 'f') {
            throw new ArtifactFormatException(what + " has a malformed shape header (rank " + shapeInformation[0] + ", "
                    + length + " values, order " + order + ")");
        }
        return shapeInformation;
    }

    private static long checkedLength(final String mode, final DataInputStream input, final String what) throws IOException, ArtifactFormatException {
        // Older allocation modes wrote an int length; nifi-cnn's writer (ND4J 1.0.0-M2.1) never did.
        if (!LONG_LENGTH_MODE.equals(mode) && !LONG_SHAPE_MODE.equals(mode)) {
            throw new ArtifactFormatException(what + " has allocation mode '" + mode + "'; only " + LONG_LENGTH_MODE + " and "
                    + LONG_SHAPE_MODE + " are read");
        }
        return input.readLong();
    }

    private static INDArray floats(final DataInputStream input, final long[] shape, final char order, final int length, final String what)
            throws IOException, ArtifactFormatException {
        checkAvailable(input, (long) length * Float.BYTES, what);
        final float[] values = new float[length];
        for (int index = 0; index < length; index++) {
            values[index] = input.readFloat();
        }
        return Nd4j.create(values, shape, order);
    }

    private static INDArray doubles(final DataInputStream input, final long[] shape, final char order, final int length, final String what)
            throws IOException, ArtifactFormatException {
        checkAvailable(input, (long) length * Double.BYTES, what);
        final double[] values = new double[length];
        for (int index = 0; index < length; index++) {
            values[index] = input.readDouble();
        }
        return Nd4j.create(values, shape, order);
    }

    private static void checkAvailable(final DataInputStream input, final long needed, final String what) throws IOException, ArtifactFormatException {
        // The input is an in-memory entry, so available() is exact: a short entry is refused before its array is allocated.
        if (input.available() < needed) {
            throw new ArtifactFormatException(what + " holds " + input.available() + " bytes of values where " + needed + " are declared");
        }
    }

    private static long utfBytes(final String text) {
        return 2L + text.length();
    }
}

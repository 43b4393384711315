package dev.nificnn.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Writes float32 arrays in NumPy's {@code .npy} format (version 1.0, little-endian {@code <f4}, C order), readable by {@code numpy.load}. */
public final class NpyWriter {

    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Magic, two version bytes and the two-byte header length precede the header text. */
    static final int PREAMBLE_LENGTH = 10;
    /** NumPy aligns the start of the data to a multiple of 64 bytes. */
    private static final int ALIGNMENT = 64;

    private NpyWriter() {
    }

    /** Returns a complete {@code .npy} file holding {@code data} with the given shape; the product of the shape must equal the data length. */
    public static byte[] write(final float[] data, final int[] shape) {
        final ByteBuffer buffer = ByteBuffer.allocate(headerLength(shape) + Float.BYTES * data.length).order(ByteOrder.LITTLE_ENDIAN);
        writeHeader(buffer, shape, data.length);
        buffer.asFloatBuffer().put(data);
        return buffer.array();
    }

    /** Length in bytes of the preamble plus header for this shape: where the float data starts. */
    public static int headerLength(final int[] shape) {
        return PREAMBLE_LENGTH + paddedHeaderText(shape).length;
    }

    /** Writes magic, version and header for {@code elementCount} float32 values at the buffer's position. */
    public static void writeHeader(final ByteBuffer destination, final int[] shape, final int elementCount) {
        long product = 1;
        for (final int dimension : shape) {
            if (dimension < 0) {
                throw new IllegalArgumentException("Shape dimensions must not be negative");
            }
            product *= dimension;
        }
        if (product != elementCount) {
            throw new IllegalArgumentException("Shape holds " + product + " values but " + elementCount + " were given");
        }
        final byte[] header = paddedHeaderText(shape);
        destination.put(MAGIC);
        destination.put((byte) 1).put((byte) 0);
        destination.put((byte) (header.length & 0xff)).put((byte) (header.length >>> 8));
        destination.put(header);
    }

    private static byte[] paddedHeaderText(final int[] shape) {
        final StringBuilder text = new StringBuilder("{'descr': '<f4', 'fortran_order': False, 'shape': (");
        for (int i = 0; i < shape.length; i++) {
            text.append(shape[i]);
            if (shape.length == 1 || i < shape.length - 1) {
                text.append(shape.length == 1 ? "," : ", ");
            }
        }
        text.append("), }");
        // Pad with spaces and end with a newline so that the data starts on an aligned offset, as NumPy itself does.
        final int unpadded = PREAMBLE_LENGTH + text.length() + 1;
        final int padding = (ALIGNMENT - unpadded % ALIGNMENT) % ALIGNMENT;
        text.append(" ".repeat(padding)).append('\n');
        if (text.length() > 0xffff) {
            throw new IllegalArgumentException("Shape has too many dimensions for a version 1.0 header");
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }
}

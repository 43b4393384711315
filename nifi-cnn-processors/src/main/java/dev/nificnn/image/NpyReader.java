package dev.nificnn.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads float32 little-endian ({@code <f4}) C-order arrays from NumPy {@code .npy} content (format versions 1, 2 and 3). */
public final class NpyReader {

    private static final Pattern DESCRIPTION = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN_ORDER = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    /** NumPy's own reader refuses longer headers (numpy.lib.format, max_header_size) as unsafe to parse. */
    static final int MAXIMUM_HEADER_BYTES = 10_000;
    /** NumPy 2's NPY_MAXDIMS. */
    static final int MAXIMUM_DIMENSIONS = 64;
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private NpyReader() {
    }

    /** Parses the content of a {@code .npy} file. */
    public static NpyArray read(final byte[] content) throws NpyFormatException {
        if (content.length < NpyWriter.PREAMBLE_LENGTH || !Arrays.equals(content, 0, NpyWriter.MAGIC.length, NpyWriter.MAGIC, 0, NpyWriter.MAGIC.length)) {
            throw new NpyFormatException("Not a .npy file: it does not start with the magic bytes \\x93NUMPY");
        }
        final ByteBuffer buffer = ByteBuffer.wrap(content).order(ByteOrder.LITTLE_ENDIAN);
        final int majorVersion = content[6];
        final int headerLength;
        final int headerStart;
        if (majorVersion == 1) {
            headerLength = Short.toUnsignedInt(buffer.getShort(8));
            headerStart = 10;
        } else if (majorVersion == 2 || majorVersion == 3) {
            if (content.length < 12) {
                throw new NpyFormatException(".npy content ends inside its header");
            }
            headerLength = buffer.getInt(8);
            headerStart = 12;
        } else {
            throw new NpyFormatException("Unsupported .npy format version " + majorVersion + "." + content[7]);
        }
        if (headerLength < 0 || headerLength > MAXIMUM_HEADER_BYTES) {
            throw new NpyFormatException(".npy header declares " + Integer.toUnsignedString(headerLength) + " bytes, more than the "
                    + MAXIMUM_HEADER_BYTES + " bytes NumPy itself reads; it is not parsed");
        }
        if ((long) headerStart + headerLength > content.length) {
            throw new NpyFormatException(".npy content ends inside its header: it declares " + headerLength + " header bytes but holds "
                    + (content.length - headerStart));
        }
        final String header = new String(content, headerStart, headerLength, majorVersion == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        final String description = find(DESCRIPTION, header, "descr");
        if (!"<f4".equals(description)) {
            throw new NpyFormatException("Unsupported .npy element type '" + description + "': only little-endian float32 ('<f4') is read");
        }
        if ("True".equals(find(FORTRAN_ORDER, header, "fortran_order"))) {
            throw new NpyFormatException("Unsupported .npy array in Fortran order: only C order is read");
        }
        final int[] shape = parseShape(find(SHAPE, header, "shape"));
        final int dataStart = headerStart + headerLength;
        long count = 1;
        for (final int dimension : shape) {
            // Checked before multiplying, so that no product wraps around to the size of a short file.
            if (dimension > 0 && count > (content.length - dataStart) / Float.BYTES / dimension) {
                throw new NpyFormatException(".npy shape " + Arrays.toString(shape) + " needs more data bytes than the "
                        + (content.length - dataStart) + " the file holds");
            }
            count *= dimension;
        }
        final long expectedBytes = count * Float.BYTES;
        if (content.length - dataStart != expectedBytes) {
            throw new NpyFormatException(".npy shape " + Arrays.toString(shape) + " needs " + expectedBytes + " data bytes but the file holds "
                    + (content.length - dataStart));
        }
        final float[] data = new float[(int) count];
        buffer.position(dataStart);
        buffer.asFloatBuffer().get(data);
        return new NpyArray(shape, data);
    }

    private static String find(final Pattern pattern, final String header, final String key) throws NpyFormatException {
        final Matcher matcher = pattern.matcher(header);
        if (!matcher.find()) {
            throw new NpyFormatException(".npy header has no valid '" + key + "' entry: " + header.strip());
        }
        return matcher.group(1);
    }

    private static int[] parseShape(final String text) throws NpyFormatException {
        final String[] parts = text.split(",");
        if (parts.length > MAXIMUM_DIMENSIONS + 1) {
            throw new NpyFormatException(".npy shape has " + parts.length + " dimensions, more than the " + MAXIMUM_DIMENSIONS + " NumPy allows");
        }
        final int[] dimensions = new int[parts.length];
        int count = 0;
        for (final String part : parts) {
            final String trimmed = part.strip();
            if (trimmed.isEmpty()) {
                continue;
            }
            try {
                dimensions[count] = Integer.parseInt(trimmed.endsWith("L") ? trimmed.substring(0, trimmed.length() - 1) : trimmed);
            } catch (final NumberFormatException e) {
                throw new NpyFormatException(".npy shape has a dimension that is not a number: '" + trimmed + "'");
            }
            if (dimensions[count] < 0) {
                throw new NpyFormatException(".npy shape has a negative dimension: " + trimmed);
            }
            count++;
        }
        return Arrays.copyOf(dimensions, count);
    }
}

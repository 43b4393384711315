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
        if (headerLength < 0 || (long) headerStart + headerLength > content.length) {
            throw new NpyFormatException(".npy content ends inside its header");
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
        long count = 1;
        for (final int dimension : shape) {
            count *= dimension;
        }
        final int dataStart = headerStart + headerLength;
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

package dev.nificnn.dataset;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Opens dataset input that may be gzip-compressed, recognising gzip by its magic bytes (1f 8b) rather than by a file name.
 */
final class CompressedInput {

    private static final int GZIP_FIRST_BYTE = 0x1f;
    private static final int GZIP_SECOND_BYTE = 0x8b;
    private static final int BUFFER_SIZE = 64 * 1024;

    private CompressedInput() {
    }

    /** Returns a stream of the decompressed bytes when {@code input} starts with the gzip magic, else of the bytes as they are. */
    static InputStream decompressIfGzip(final InputStream input) throws IOException, DatasetFormatException {
        final BufferedInputStream buffered = new BufferedInputStream(input, BUFFER_SIZE);
        buffered.mark(2);
        final int first = buffered.read();
        final int second = buffered.read();
        buffered.reset();
        if (first == GZIP_FIRST_BYTE && second == GZIP_SECOND_BYTE) {
            try {
                return new BufferedInputStream(new GZIPInputStream(buffered, BUFFER_SIZE), BUFFER_SIZE);
            } catch (final EOFException | ZipException e) {
                throw new DatasetFormatException("The input starts like gzip but its gzip header is invalid (" + e.getMessage() + ")", e);
            }
        }
        return buffered;
    }

    /**
     * Reads up to {@code length} bytes, stopping early only at the end of the stream.
     *
     * @return the number of bytes read (less than {@code length} only at the end of the stream)
     */
    static int readFully(final InputStream input, final byte[] buffer, final int offset, final int length) throws IOException, DatasetFormatException {
        int total = 0;
        while (total < length) {
            final int read;
            try {
                read = input.read(buffer, offset + total, length - total);
            } catch (final EOFException e) {
                // GZIPInputStream reports a cut-off compressed stream this way; a plain stream just returns -1
                throw new DatasetFormatException("The gzip-compressed data is truncated (" + e.getMessage() + ")", e);
            } catch (final ZipException e) {
                throw new DatasetFormatException("The gzip-compressed data is corrupt (" + e.getMessage() + ")", e);
            }
            if (read < 0) {
                break;
            }
            total += read;
        }
        return total;
    }
}

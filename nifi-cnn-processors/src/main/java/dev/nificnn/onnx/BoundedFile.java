package dev.nificnn.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a whole file only after its size is checked against a limit, so that a file of any size on shared storage costs at
 * most the limit in heap and never an {@code OutOfMemoryError}.
 */
final class BoundedFile {

    /** The most bytes a Java array, and so a protobuf message read into one, can hold. */
    static final long MAXIMUM_ARRAY_BYTES = Integer.MAX_VALUE - 8;

    private BoundedFile() {
    }

    /**
     * Reads the file whole.
     *
     * @param kind        what the file is, for messages (e.g. "Model manifest")
     * @param limit       the most bytes it may hold
     * @param limitReason why that is the limit, in words, for the message
     * @throws FileLimitException when the file is larger than the limit, or changes size while it is read
     * @throws java.nio.file.NoSuchFileException when it does not exist
     */
    static byte[] read(final Path file, final String kind, final long limit, final String limitReason) throws IOException {
        final long size = Files.size(file);
        if (size > limit) {
            throw new FileLimitException(kind + " " + file + " has " + size + " bytes, more than the " + limit + " bytes " + limitReason
                    + "; it is not read");
        }
        final byte[] content = new byte[(int) size];
        try (InputStream input = Files.newInputStream(file)) {
            final int read = input.readNBytes(content, 0, content.length);
            // A file replaced or still being written while it is read is neither the old nor the new one.
            if (read < content.length || input.read() >= 0) {
                throw new FileLimitException(kind + " " + file + " changed size while it was read (" + size + " bytes when it was opened); "
                        + "it is read again when it next changes");
            }
        }
        return content;
    }

    /** A file refused by its size; the message names the file and the limit. */
    static final class FileLimitException extends IOException {

        FileLimitException(final String message) {
            super(message);
        }
    }
}

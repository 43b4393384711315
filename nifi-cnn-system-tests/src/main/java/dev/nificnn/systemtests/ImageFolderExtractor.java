package dev.nificnn.systemtests;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Extracts a class-per-folder subset from a .tar.gz of images laid out as {@code <root>/<class>/<file>} (the CIFAR-10 JPEG
 * archive in ../shared/data): files whose number within their class folder is in [first, first + count) by name order
 * of appearance in the archive.
 */
public final class ImageFolderExtractor {

    private static final int BLOCK = 512;

    private ImageFolderExtractor() {
    }

    /** Writes destination/&lt;class&gt;/&lt;file&gt; and returns how many files were written. */
    public static int extract(final Path archive, final Path destination, final int first, final int count) throws IOException {
        final Map<String, Integer> seenPerClass = new HashMap<>();
        int written = 0;
        try (InputStream input = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(archive)), 1 << 16)) {
            final byte[] header = new byte[BLOCK];
            while (readFully(input, header)) {
                final String name = text(header, 0, 100);
                if (name.isEmpty()) {
                    break;
                }
                final String prefix = text(header, 345, 155);
                final String path = prefix.isEmpty() ? name : prefix + "/" + name;
                final long size = Long.parseLong(text(header, 124, 12).trim().isEmpty() ? "0" : text(header, 124, 12).trim(), 8);
                final char type = (char) header[156];
                final long padded = (size + BLOCK - 1) / BLOCK * BLOCK;
                final String[] parts = path.split("/");
                if ((type == '0' || type == 0) && parts.length >= 2) {
                    final String label = parts[parts.length - 2];
                    final int index = seenPerClass.merge(label, 1, Integer::sum) - 1;
                    if (index >= first && index < first + count) {
                        final Path target = Files.createDirectories(destination.resolve(label)).resolve(parts[parts.length - 1]);
                        Files.write(target, input.readNBytes((int) size));
                        input.skipNBytes(padded - size);
                        written++;
                        continue;
                    }
                }
                input.skipNBytes(padded);
            }
        }
        return written;
    }

    private static boolean readFully(final InputStream input, final byte[] buffer) throws IOException {
        return input.readNBytes(buffer, 0, buffer.length) == buffer.length;
    }

    private static String text(final byte[] header, final int offset, final int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, StandardCharsets.US_ASCII);
    }
}

package dev.nificnn.systemtests;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads the lines NiFi appended to its application log since the last call (for the trainer's epoch lines). */
final class NiFiLogTail {

    private final Path log;
    private long position;

    NiFiLogTail(final Path log) throws IOException {
        this.log = log;
        this.position = Files.exists(log) ? Files.size(log) : 0;
    }

    /** New whole lines containing the marker. */
    List<String> newLines(final String marker) throws IOException {
        final List<String> lines = new ArrayList<>();
        if (!Files.exists(log)) {
            return lines;
        }
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            if (file.length() < position) {
                position = 0;
            }
            file.seek(position);
            final byte[] bytes = new byte[(int) Math.min(Integer.MAX_VALUE - 16L, file.length() - position)];
            file.readFully(bytes);
            final String text = new String(bytes, StandardCharsets.UTF_8);
            final int lastNewline = text.lastIndexOf('\n');
            if (lastNewline < 0) {
                return lines;
            }
            position += text.substring(0, lastNewline + 1).getBytes(StandardCharsets.UTF_8).length;
            for (final String line : text.substring(0, lastNewline).split("\n")) {
                if (line.contains(marker)) {
                    lines.add(line);
                }
            }
        }
        return lines;
    }
}

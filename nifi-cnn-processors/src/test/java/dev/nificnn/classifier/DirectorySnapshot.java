package dev.nificnn.classifier;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** What a directory holds, file by file (size, modification time, SHA-256), to show that reading wrote nothing. */
public record DirectorySnapshot(Map<String, String> files) {

    /** Takes a snapshot of the regular files directly in a directory. */
    public static DirectorySnapshot of(final Path directory) throws IOException {
        final Map<String, String> files = new TreeMap<>();
        try (Stream<Path> listing = Files.list(directory)) {
            for (final Path file : listing.toList()) {
                files.put(file.getFileName().toString(), Files.isRegularFile(file)
                        ? Files.size(file) + " bytes, modified " + Files.getLastModifiedTime(file).toMillis() + ", " + ArtifactDigest.sha256(file)
                        : "not a regular file");
            }
        }
        return new DirectorySnapshot(files);
    }
}

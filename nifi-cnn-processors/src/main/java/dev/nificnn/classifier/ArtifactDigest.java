package dev.nificnn.classifier;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/** Pins a classifier artifact to the SHA-256 an operator expects, so that a replaced or altered file is refused before it is read. */
public final class ArtifactDigest {

    /** What a SHA-256 in hexadecimal looks like (either case). */
    public static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");

    private ArtifactDigest() {
    }

    /** Returns the lowercase hexadecimal SHA-256 of a file, read as a stream (the file is never held in memory whole). */
    public static String sha256(final Path file) throws IOException {
        final MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java platform provides SHA-256", e);
        }
        try (InputStream input = new DigestInputStream(Files.newInputStream(file), digest)) {
            input.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /**
     * Refuses the file unless its SHA-256 is the expected one.
     *
     * @param expected 64 hexadecimal digits, either case
     */
    public static void check(final Path file, final String expected) throws ArtifactFormatException {
        final String actual;
        try {
            actual = sha256(file);
        } catch (final IOException e) {
            throw new ArtifactFormatException("Classifier artifact " + file + " could not be read: " + e.getMessage(), e);
        }
        if (!actual.equals(expected.toLowerCase(Locale.ROOT))) {
            throw new ArtifactFormatException("Classifier artifact " + file + " is refused: its SHA-256 is " + actual + " but Expected SHA-256 is "
                    + expected.toLowerCase(Locale.ROOT) + "; it is not read (another or altered file)");
        }
    }
}

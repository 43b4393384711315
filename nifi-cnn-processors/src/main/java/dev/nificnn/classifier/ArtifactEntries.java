package dev.nificnn.classifier;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * The entries of a classifier artifact zip, checked against the allow-list before any of them is read, and read with a byte limit.
 * <p>
 * Only the central directory is trusted for names; sizes are checked twice: the declared size against the caller's limit before
 * reading, and the bytes actually inflated against the declared size while reading (a zip may lie about its sizes).
 */
final class ArtifactEntries implements AutoCloseable {

    static final String CONFIGURATION_ENTRY = "configuration.json";
    static final String COEFFICIENTS_ENTRY = "coefficients.bin";
    static final String NORMALIZER_ENTRY = "normalizer.bin";

    /** Every entry name an artifact may hold: the three DL4J ModelSerializer writes for our networks, and our metadata. */
    static final Set<String> ALLOWED = Set.of(CONFIGURATION_ENTRY, COEFFICIENTS_ENTRY, NORMALIZER_ENTRY, ClassifierArtifact.METADATA_ENTRY);

    private final Path file;
    private final ZipFile zip;
    private final Map<String, ZipEntry> entries;

    private ArtifactEntries(final Path file, final ZipFile zip, final Map<String, ZipEntry> entries) {
        this.file = file;
        this.zip = zip;
        this.entries = entries;
    }

    /**
     * Opens the zip read-only and refuses it when any entry is not on the allow-list, is named twice, has a path in its name,
     * or declares a negative size; a missing metadata entry means the file is not one of ours.
     */
    static ArtifactEntries open(final Path file) throws ArtifactFormatException {
        final ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (final ZipException e) {
            throw new ArtifactFormatException("File " + file + " is not a nifi-cnn classifier artifact: it is not a zip file (" + e.getMessage() + ")", e);
        } catch (final IOException e) {
            throw new ArtifactFormatException("Classifier artifact " + file + " could not be read: " + e.getMessage(), e);
        }
        try {
            return new ArtifactEntries(file, zip, checkedEntries(file, zip));
        } catch (final ArtifactFormatException | RuntimeException e) {
            closeQuietly(zip, e);
            throw e;
        }
    }

    private static Map<String, ZipEntry> checkedEntries(final Path file, final ZipFile zip) throws ArtifactFormatException {
        final Map<String, ZipEntry> entries = new HashMap<>();
        final List<String> foreign = new ArrayList<>();
        final Enumeration<? extends ZipEntry> all = zip.entries();
        while (all.hasMoreElements()) {
            final ZipEntry entry = all.nextElement();
            final String name = entry.getName();
            if (name.contains("/") || name.contains("\\") || name.contains("..")) {
                throw new ArtifactFormatException("Classifier artifact " + file + " is refused: entry '" + name
                        + "' has a path in its name; an artifact holds only the entries " + ALLOWED + " at its top level");
            }
            if (!ALLOWED.contains(name)) {
                foreign.add(name);
            } else if (entries.putIfAbsent(name, entry) != null) {
                throw new ArtifactFormatException("Classifier artifact " + file + " is refused: it holds entry '" + name
                        + "' twice, so what it holds is ambiguous");
            }
            if (foreign.size() > 10) {
                break;
            }
        }
        if (!foreign.isEmpty()) {
            throw new ArtifactFormatException((entries.containsKey(ClassifierArtifact.METADATA_ENTRY)
                    ? "Classifier artifact " + file + " is refused"
                    : "File " + file + " is not a nifi-cnn classifier artifact") + ": it holds entries " + foreign
                    + " besides the entries an artifact may hold " + ALLOWED + "; none of them is read");
        }
        if (!entries.containsKey(ClassifierArtifact.METADATA_ENTRY)) {
            throw new ArtifactFormatException("File " + file + " is not a nifi-cnn classifier artifact: it has no "
                    + ClassifierArtifact.METADATA_ENTRY + " entry");
        }
        if (!entries.containsKey(CONFIGURATION_ENTRY) || !entries.containsKey(COEFFICIENTS_ENTRY) || !entries.containsKey(NORMALIZER_ENTRY)) {
            throw new ArtifactFormatException("Classifier artifact " + file + " is corrupt: it lacks one of the entries "
                    + List.of(CONFIGURATION_ENTRY, COEFFICIENTS_ENTRY, NORMALIZER_ENTRY) + " that hold its network and normaliser");
        }
        return entries;
    }

    /** Returns the size an entry declares, in bytes. */
    long declaredSize(final String name) {
        return entries.get(name).getSize();
    }

    /**
     * Reads one entry whole.
     *
     * @param limit the most bytes this entry may hold; what the limit is, in words, for the message
     */
    byte[] read(final String name, final long limit, final String limitReason) throws ArtifactFormatException {
        final ZipEntry entry = entries.get(name);
        final long declared = entry.getSize();
        if (declared < 0 || declared > limit) {
            throw new ArtifactFormatException("Classifier artifact " + file + " is refused: entry '" + name + "' declares " + declared
                    + " bytes, more than the " + limit + " bytes " + limitReason + "; it is not read");
        }
        final byte[] content = new byte[(int) declared];
        try (InputStream input = zip.getInputStream(entry)) {
            final int read = input.readNBytes(content, 0, content.length);
            if (read < content.length) {
                throw new ArtifactFormatException("Classifier artifact " + file + " is corrupt: entry '" + name + "' ends after " + read
                        + " of the " + declared + " bytes it declares");
            }
            if (input.read() >= 0) {
                throw new ArtifactFormatException("Classifier artifact " + file + " is refused: entry '" + name
                        + "' inflates to more than the " + declared + " bytes it declares");
            }
        } catch (final ZipException e) {
            throw new ArtifactFormatException("Classifier artifact " + file + " is corrupt: entry '" + name + "' cannot be inflated ("
                    + e.getMessage() + ")", e);
        } catch (final IOException e) {
            throw new ArtifactFormatException("Classifier artifact " + file + " could not be read: " + e.getMessage(), e);
        }
        return content;
    }

    @Override
    public void close() {
        try {
            zip.close();
        } catch (final IOException e) {
            // Read-only: nothing was written, so a failed close loses nothing.
        }
    }

    private static void closeQuietly(final ZipFile zip, final Exception failure) {
        try {
            zip.close();
        } catch (final IOException e) {
            failure.addSuppressed(e);
        }
    }
}

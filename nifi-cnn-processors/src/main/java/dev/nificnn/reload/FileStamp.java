package dev.nificnn.reload;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.TimeUnit;

/** Modification time, size and identity of a file: changes when the file is rewritten or replaced. */
public record FileStamp(long modifiedNanos, long size, Object fileKey) {

    /** The stamp of no file: an optional watched file that is not configured. */
    public static final FileStamp NONE = new FileStamp(0, 0, null);

    /** The stamp of a file whose attributes cannot be read (missing, not permitted). */
    public static final FileStamp UNREADABLE = new FileStamp(-1, -1, null);

    /** Stamps the file, failing when its attributes cannot be read. */
    public static FileStamp read(final Path file) throws IOException {
        final BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        return new FileStamp(attributes.lastModifiedTime().to(TimeUnit.NANOSECONDS), attributes.size(), attributes.fileKey());
    }

    /** Stamps the file: {@link #NONE} for no file (null), {@link #UNREADABLE} when its attributes cannot be read. */
    public static FileStamp of(final Path file) {
        if (file == null) {
            return NONE;
        }
        try {
            return read(file);
        } catch (final IOException e) {
            // An unreadable file is a state like any other: it differs from the loaded one, so the reload that follows reports why.
            return UNREADABLE;
        }
    }
}

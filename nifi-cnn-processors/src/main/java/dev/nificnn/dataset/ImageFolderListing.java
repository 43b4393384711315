package dev.nificnn.dataset;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Predicate;

/**
 * One complete listing of a class-per-folder image tree ({@code <root>/<class>/.../<image>}): every image file, its class (the
 * name of the first folder below the root), and a fingerprint of the whole tree that changes whenever a file is added, removed,
 * replaced or renamed.
 * <p>
 * Knowing the whole set up front is what lets a trainer downstream wait for exactly this many images, however slowly they arrive.
 */
public final class ImageFolderListing {

    /** One listed image. */
    public record Entry(Path file, String relativeDirectory, String label, long size, long lastModifiedMillis) {
    }

    private final Path root;
    private final List<Entry> entries;
    private final long filesOutsideClassFolders;
    private final long youngestModifiedMillis;
    private final String fingerprint;

    private ImageFolderListing(final Path root, final List<Entry> entries, final long filesOutsideClassFolders, final long youngestModifiedMillis,
                               final String fingerprint) {
        this.root = root;
        this.entries = List.copyOf(entries);
        this.filesOutsideClassFolders = filesOutsideClassFolders;
        this.youngestModifiedMillis = youngestModifiedMillis;
        this.fingerprint = fingerprint;
    }

    /**
     * Walks the tree.
     *
     * @param root the dataset folder
     * @param fileNameFilter which file names are images (hidden files should be excluded by the filter)
     * @param maximumEntries the most images to accept; more is refused before the listing is kept in memory any further
     * @throws DatasetFormatException when the root is not a folder or holds more than maximumEntries images
     * @throws IOException when the tree cannot be read
     */
    public static ImageFolderListing of(final Path root, final Predicate<String> fileNameFilter, final long maximumEntries)
            throws IOException, DatasetFormatException {
        if (!Files.isDirectory(root)) {
            throw new DatasetFormatException("Dataset folder " + root + " does not exist or is not a folder");
        }
        final ImageFileVisitor visitor = new ImageFileVisitor(root, fileNameFilter, maximumEntries);
        Files.walkFileTree(root, visitor);
        if (visitor.tooMany != null) {
            throw visitor.tooMany;
        }
        final List<Entry> entries = visitor.entries;
        entries.sort(Comparator.comparing((Entry entry) -> entry.relativeDirectory()).thenComparing(entry -> entry.file().getFileName().toString()));
        return new ImageFolderListing(root, entries, visitor.outside, visitor.youngest, fingerprint(root, entries));
    }

    /** Collects the images of a class-per-folder tree, counting those outside any class folder and the newest modification. */
    private static final class ImageFileVisitor extends SimpleFileVisitor<Path> {

        private final Path root;
        private final Predicate<String> fileNameFilter;
        private final long maximumEntries;
        private final List<Entry> entries = new ArrayList<>();
        private long outside;
        private long youngest = Long.MIN_VALUE;
        private DatasetFormatException tooMany;

        ImageFileVisitor(final Path root, final Predicate<String> fileNameFilter, final long maximumEntries) {
            this.root = root;
            this.fileNameFilter = fileNameFilter;
            this.maximumEntries = maximumEntries;
        }

        @Override
        public FileVisitResult preVisitDirectory(final Path directory, final BasicFileAttributes attributes) {
            // Hidden folders (.snapshot, .git, a copy tool's temporary folder) are not classes.
            return !directory.equals(root) && directory.getFileName().toString().startsWith(".")
                    ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(final Path file, final BasicFileAttributes attributes) {
            if (!attributes.isRegularFile() || !fileNameFilter.test(file.getFileName().toString())) {
                return FileVisitResult.CONTINUE;
            }
            final Path relative = root.relativize(file);
            if (relative.getNameCount() < 2) {
                outside++;
                return FileVisitResult.CONTINUE;
            }
            if (entries.size() >= maximumEntries) {
                tooMany = new DatasetFormatException("Dataset folder " + root + " holds more than " + maximumEntries + " images (Maximum Images)");
                return FileVisitResult.TERMINATE;
            }
            final String relativeDirectory = relative.getParent().toString().replace('\\', '/') + "/";
            final long modified = attributes.lastModifiedTime().toMillis();
            youngest = Math.max(youngest, modified);
            entries.add(new Entry(file, relativeDirectory, relative.getName(0).toString(), attributes.size(), modified));
            return FileVisitResult.CONTINUE;
        }
    }

    private static String fingerprint(final Path root, final List<Entry> entries) {
        try {
            final MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(root.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
            for (final Entry entry : entries) {
                digest.update((byte) 0);
                digest.update((entry.relativeDirectory() + entry.file().getFileName()).getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
                digest.update(Long.toString(entry.size()).getBytes(StandardCharsets.US_ASCII));
                digest.update((byte) ':');
                digest.update(Long.toString(entry.lastModifiedMillis()).getBytes(StandardCharsets.US_ASCII));
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    public Path root() {
        return root;
    }

    /** The images, sorted by folder and then file name. */
    public List<Entry> entries() {
        return entries;
    }

    /** Files that match the filter but lie directly in the root, so have no class folder: not listed. */
    public long filesOutsideClassFolders() {
        return filesOutsideClassFolders;
    }

    /** The newest modification time of any listed image (Long.MIN_VALUE when there is none). */
    public long youngestModifiedMillis() {
        return youngestModifiedMillis;
    }

    /** SHA-256 over the root and every image's relative path, size and modification time. */
    public String fingerprint() {
        return fingerprint;
    }

    /** Number of distinct classes. */
    public long classCount() {
        return entries.stream().map(Entry::label).distinct().count();
    }
}

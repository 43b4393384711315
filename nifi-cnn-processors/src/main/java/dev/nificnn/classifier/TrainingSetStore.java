package dev.nificnn.classifier;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The feature records of one training set, gathered on disk input by input until the set is complete, so that a set arriving in
 * thousands of small FlowFiles over hours (or across a restart) is trained on once, whole.
 * <p>
 * One append-only file per set. Each input (an upstream FlowFile, by its id) is one block: a header (set id, input id, the set
 * size it announced, how many images it stands for that failed upstream), its records (label, length, float32 features) and a trailer
 * (record count, CRC-32 of the block). A block is forced to disk before its input may be acknowledged; a block cut short by a
 * crash fails its CRC and is cut off when the store is opened again, and the input, never acknowledged, arrives again. An input
 * id seen before is refused by {@link #contains}, so a replayed input is never counted twice.
 * <p>
 * Memory: the store keeps only counts and input ids; {@link #load} builds the feature matrix (records x features x 4 bytes)
 * in one exact allocation. The file takes the same size on disk plus the labels.
 */
public final class TrainingSetStore {

    private static final int BLOCK_MAGIC = 0x4E435453; // "NCTS"
    private static final int RECORD_MARKER = 1;
    private static final int END_MARKER = 0;
    private static final int MAXIMUM_TEXT_BYTES = 4096;
    private static final String FILE_NAME = "records.bin";

    private final Path file;
    private final String setId;
    private final long maximumBytes;
    private final Set<String> inputIds = new HashSet<>();
    private final Map<String, Integer> classCounts = new HashMap<>();
    private long records;
    private long failedInputs;
    private long expectedInputs;
    private int columns = -1;
    private String model;
    private String layer;
    private long lastAppendMillis;

    private TrainingSetStore(final Path file, final String setId, final long maximumBytes) {
        this.file = file;
        this.setId = setId;
        this.maximumBytes = maximumBytes;
    }

    /**
     * Opens the store of a set below the root folder, creating it, or reading back what an earlier run of the processor
     * gathered (and cutting off a block that a crash left incomplete).
     *
     * @param maximumBytes the largest feature matrix the set may grow to (records x features x 4 bytes + 4 bytes per record)
     */
    public static TrainingSetStore open(final Path root, final String setId, final long maximumBytes) throws IOException {
        final Path folder = root.resolve(folderName(setId));
        Files.createDirectories(folder);
        final TrainingSetStore store = new TrainingSetStore(folder.resolve(FILE_NAME), setId, maximumBytes);
        store.readBack();
        return store;
    }

    /** Returns the ids of the sets that have a store below the root (each read from its first block). */
    public static List<String> existingSets(final Path root) throws IOException {
        final List<String> sets = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return sets;
        }
        try (var folders = Files.list(root)) {
            for (final Path folder : folders.filter(Files::isDirectory).sorted().toList()) {
                final Path file = folder.resolve(FILE_NAME);
                if (!Files.isRegularFile(file) || Files.size(file) == 0) {
                    continue;
                }
                try (DataInputStream input = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
                    if (input.readInt() == BLOCK_MAGIC) {
                        sets.add(readText(input));
                    }
                } catch (final EOFException e) {
                    // an empty or torn first block: nothing was acknowledged, nothing to resume
                }
            }
        }
        return sets;
    }

    private static String folderName(final String setId) {
        try {
            final byte[] digest = MessageDigest.getInstance("SHA-256").digest(setId.getBytes(StandardCharsets.UTF_8));
            return "set-" + HexFormat.of().formatHex(digest, 0, 16);
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** Whether an input of this id was already gathered (a replay after a restart). */
    public boolean contains(final String inputId) {
        return inputIds.contains(inputId);
    }

    /**
     * Starts the block of one input. Call {@link Block#add} for each of its records, then {@link Block#commit}; a block that is
     * not committed (an exception, {@link Block#abandon}) leaves the store as it was.
     *
     * @param inputId the input's id (the FlowFile's uuid)
     * @param announcedSize the set size the input announced (0 when it announced none)
     * @param failedImages how many images of the set this input stands for that failed upstream (its records are then empty)
     * @param source the feature model and layer the input's records say they come from
     */
    public Block begin(final String inputId, final long announcedSize, final long failedImages, final FeatureSource source) throws IOException {
        if (inputIds.contains(inputId)) {
            throw new IllegalStateException("Input " + inputId + " is already in training set " + setId);
        }
        return new Block(inputId, announcedSize, failedImages, source);
    }

    /** One input's records, written through to the file and made durable by {@link #commit}. */
    public final class Block implements AutoCloseable {

        private final String inputId;
        private final long announcedSize;
        private final long failedImages;
        private final FeatureSource source;
        private final FileChannel channel;
        private final long startPosition;
        private final CRC32 crc = new CRC32();
        private final DataOutputStream output;
        private final Map<String, Integer> blockClassCounts = new HashMap<>();
        private int blockColumns;
        private int blockRecords;
        private boolean finished;

        private Block(final String inputId, final long announcedSize, final long failedImages, final FeatureSource source) throws IOException {
            this.inputId = inputId;
            this.announcedSize = announcedSize;
            this.failedImages = failedImages;
            this.source = source;
            this.blockColumns = columns;
            this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            this.startPosition = channel.size();
            channel.position(startPosition);
            final OutputStream unclosable = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
            this.output = new DataOutputStream(new CheckedOutputStream(unclosable, crc));
            output.writeInt(BLOCK_MAGIC);
            writeText(output, setId);
            writeText(output, inputId);
            output.writeLong(announcedSize);
            output.writeLong(failedImages);
            writeText(output, source.model() == null ? "" : source.model());
            writeText(output, source.layer() == null ? "" : source.layer());
        }

        /**
         * Appends one record.
         *
         * @param recordNumber the record's position in its input, from 1, for error messages
         * @throws ClassifierInputException when the label is blank or too long, the features are not finite numbers, their length
         *     differs from the set's, or the set would grow past the store's limit
         */
        public void add(final String label, final Object features, final long recordNumber) throws ClassifierInputException, IOException {
            if (label == null || label.isBlank()) {
                throw new ClassifierInputException("Record " + recordNumber + " has no label");
            }
            final int length = FeatureValues.length(features, recordNumber);
            if (length <= 0) {
                throw new ClassifierInputException("Record " + recordNumber + " has no feature vector (the feature field is "
                        + (features == null ? "missing or null" : "a " + features.getClass().getSimpleName() + ", not an array of numbers") + ")");
            }
            if (blockColumns < 0) {
                blockColumns = length;
            } else if (length != blockColumns) {
                throw new ClassifierInputException("Record " + recordNumber + " has " + length + " features but the training set's records have "
                        + blockColumns + ": all feature vectors must have the same length");
            }
            final long requiredBytes = FeatureMatrix.memoryBytes(records + blockRecords + 1L, length);
            if (requiredBytes > maximumBytes || (records + blockRecords + 1L) * length > Integer.MAX_VALUE - 16L) {
                throw new ClassifierInputException("The training set is larger than the Maximum Training Matrix Size: " + (records + blockRecords + 1L)
                        + " records x " + length + " features x 4 bytes need " + requiredBytes + " bytes, the limit is " + maximumBytes + " bytes");
            }
            final float[] values = new float[length];
            FeatureValues.copy(features, values, 0, recordNumber);
            output.writeByte(RECORD_MARKER);
            writeText(output, label);
            output.writeInt(length);
            for (final float value : values) {
                output.writeFloat(value);
            }
            blockClassCounts.merge(label, 1, Integer::sum);
            blockRecords++;
        }

        /** Makes the block durable (forced to disk) and counts it in the store. */
        public void commit() throws IOException {
            output.writeByte(END_MARKER);
            output.writeInt(blockRecords);
            output.flush();
            final long checksum = crc.getValue();
            output.writeInt((int) checksum);
            output.flush();
            channel.force(false);
            channel.close();
            finished = true;
            count(inputId, announcedSize, failedImages, source, blockColumns, blockRecords, blockClassCounts);
            lastAppendMillis = System.currentTimeMillis();
        }

        /** Removes whatever of the block was written. */
        public void abandon() throws IOException {
            if (finished) {
                return;
            }
            finished = true;
            try {
                output.flush();
            } catch (final IOException e) {
                // cut off below anyway
            }
            channel.truncate(startPosition);
            channel.force(false);
            channel.close();
        }

        @Override
        public void close() throws IOException {
            abandon();
        }
    }

    private void count(final String inputId, final long announcedSize, final long failedImages, final FeatureSource source, final int blockColumns,
                       final int blockRecords, final Map<String, Integer> blockClassCounts) {
        inputIds.add(inputId);
        expectedInputs = Math.max(expectedInputs, announcedSize);
        failedInputs += failedImages;
        records += blockRecords;
        if (blockRecords > 0) {
            columns = blockColumns;
        }
        blockClassCounts.forEach((label, count) -> classCounts.merge(label, count, Integer::sum));
        if (model == null && source.model() != null && !source.model().isEmpty()) {
            model = source.model();
        }
        if (layer == null && source.layer() != null && !source.layer().isEmpty()) {
            layer = source.layer();
        }
    }

    private void readBack() throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        long goodLength = 0;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            final long fileLength = channel.size();
            final CountingInput counting = new CountingInput(new BufferedInputStream(Channels.newInputStream(channel), 1 << 16));
            while (goodLength < fileLength && readBackBlock(counting)) {
                goodLength = counting.position();
            }
        }
        if (goodLength < Files.size(file)) {
            // A block a crash cut short was never acknowledged upstream: its input arrives again.
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.truncate(goodLength);
                channel.force(false);
            }
        }
        lastAppendMillis = Files.getLastModifiedTime(file).toMillis();
    }

    /**
     * Reads the next block and counts it; false, counting nothing, when it is not a whole, intact block of this set (the rest
     * of the file is then cut off).
     */
    private boolean readBackBlock(final CountingInput counting) throws IOException {
        final CRC32 crc = new CRC32();
        final DataInputStream input = new DataInputStream(new CheckedInputStream(counting, crc));
        try {
            if (input.readInt() != BLOCK_MAGIC) {
                return false;
            }
            final String blockSet = readText(input);
            final String inputId = readText(input);
            final long announcedSize = input.readLong();
            final long failedImages = input.readLong();
            final String blockModel = readText(input);
            final String blockLayer = readText(input);
            final Map<String, Integer> blockClassCounts = new HashMap<>();
            int blockColumns = -1;
            int blockRecords = 0;
            while (input.readByte() == RECORD_MARKER) {
                final String label = readText(input);
                final int length = input.readInt();
                if (length <= 0 || length > FeatureValues.MAXIMUM_LENGTH || (blockColumns >= 0 && length != blockColumns)
                        || (columns >= 0 && length != columns)) {
                    throw new IllegalArgumentException("feature length " + length);
                }
                blockColumns = length;
                input.skipNBytes((long) length * Float.BYTES);
                blockClassCounts.merge(label, 1, Integer::sum);
                blockRecords++;
            }
            final int declaredRecords = input.readInt();
            final int expectedChecksum = (int) crc.getValue();
            final int checksum = new DataInputStream(counting).readInt();
            if (declaredRecords != blockRecords || checksum != expectedChecksum || !blockSet.equals(setId)) {
                return false;
            }
            count(inputId, announcedSize, failedImages, new FeatureSource(blockModel, blockLayer), blockColumns, blockRecords, blockClassCounts);
            return true;
        } catch (final EOFException | IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Builds the feature matrix of the whole set, labels in alphabetical order (as {@link FeatureMatrixBuilder} orders them).
     *
     * @throws ClassifierInputException when the set holds no record
     */
    public FeatureMatrix load() throws IOException, ClassifierInputException {
        if (records == 0) {
            throw new ClassifierInputException("Training set " + setId + " holds no records: there is nothing to train on ("
                    + failedInputs + " of its images failed upstream)");
        }
        final List<String> labels = new ArrayList<>(new TreeMap<>(classCounts).keySet());
        final Map<String, Integer> indexOfLabel = new HashMap<>();
        for (int index = 0; index < labels.size(); index++) {
            indexOfLabel.put(labels.get(index), index);
        }
        final int rows = Math.toIntExact(records);
        final float[] values = new float[Math.multiplyExact(rows, columns)];
        final int[] classIndexes = new int[rows];
        int row = 0;
        try (DataInputStream input = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            while (row < rows) {
                if (input.readInt() != BLOCK_MAGIC) {
                    throw new IOException("Training set store " + file + " is corrupt");
                }
                readText(input);
                readText(input);
                input.readLong();
                input.readLong();
                readText(input);
                readText(input);
                while (input.readByte() == RECORD_MARKER) {
                    classIndexes[row] = indexOfLabel.get(readText(input));
                    if (input.readInt() != columns) {
                        throw new IOException("Training set store " + file + " is corrupt: a record's feature length changed");
                    }
                    final int offset = row * columns;
                    for (int column = 0; column < columns; column++) {
                        values[offset + column] = input.readFloat();
                    }
                    row++;
                }
                input.readInt();
                input.readInt();
            }
        }
        return new FeatureMatrix(values, rows, columns, classIndexes, labels);
    }

    /** Deletes the set's file and folder. */
    public void delete() throws IOException {
        Files.deleteIfExists(file);
        Files.deleteIfExists(file.getParent());
    }

    public String setId() {
        return setId;
    }

    /** Feature records gathered. */
    public long records() {
        return records;
    }

    /** Images of the set that failed upstream (inputs that stand for them were gathered). */
    public long failedInputs() {
        return failedInputs;
    }

    /** The largest set size any input announced (0 when none did). */
    public long expectedInputs() {
        return expectedInputs;
    }

    /** Inputs (upstream FlowFiles) gathered. */
    public int inputs() {
        return inputIds.size();
    }

    /** Records per class, labels in alphabetical order. */
    public Map<String, Integer> classCounts() {
        return new LinkedHashMap<>(new TreeMap<>(classCounts));
    }

    /** Whether every announced image has arrived, as a record or as a failure. */
    public boolean complete() {
        return expectedInputs > 0 && records + failedInputs >= expectedInputs;
    }

    public FeatureSource source() {
        return new FeatureSource(model, layer);
    }

    /** When the last input was gathered (the file's modification time after a restart). */
    public long lastAppendMillis() {
        return lastAppendMillis;
    }

    /** How complete the set is, for the artifact and the report. */
    public TrainingSetCompleteness completeness(final String trigger) {
        return new TrainingSetCompleteness(setId, expectedInputs, records, failedInputs, complete(), trigger);
    }

    private static void writeText(final DataOutputStream output, final String text) throws IOException {
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAXIMUM_TEXT_BYTES) {
            throw new IllegalArgumentException("Text of " + bytes.length + " bytes is longer than " + MAXIMUM_TEXT_BYTES + " bytes");
        }
        output.writeShort(bytes.length);
        output.write(bytes);
    }

    private static String readText(final DataInputStream input) throws IOException {
        final int length = input.readUnsignedShort();
        if (length > MAXIMUM_TEXT_BYTES) {
            throw new IllegalArgumentException("text too long");
        }
        return new String(input.readNBytes(length), StandardCharsets.UTF_8);
    }

    /** Counts the bytes read through it, so that the end of the last whole block is known. */
    private static final class CountingInput extends InputStream {
        private final InputStream delegate;
        private long position;

        CountingInput(final InputStream delegate) {
            this.delegate = delegate;
        }

        long position() {
            return position;
        }

        @Override
        public int read() throws IOException {
            final int value = delegate.read();
            if (value >= 0) {
                position++;
            }
            return value;
        }

        @Override
        public int read(final byte[] buffer, final int offset, final int length) throws IOException {
            final int read = delegate.read(buffer, offset, length);
            if (read > 0) {
                position += read;
            }
            return read;
        }
    }
}

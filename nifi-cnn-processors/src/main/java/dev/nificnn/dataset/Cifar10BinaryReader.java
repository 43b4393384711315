package dev.nificnn.dataset;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads CIFAR-10 binary batches: records of 1 label byte (0..9) then 1024 red, 1024 green and 1024 blue bytes of a 32x32 image.
 * <p>
 * Gzip-compressed input is recognised by its magic bytes. Pixels come out interleaved HWC (R, G, B per pixel).
 */
public final class Cifar10BinaryReader {

    /** Side of every CIFAR-10 image. */
    public static final int IMAGE_SIDE = 32;
    /** Bytes of one colour plane. */
    public static final int PLANE_SIZE = IMAGE_SIDE * IMAGE_SIDE;
    /** Bytes of one record: the label and three planes. */
    public static final int RECORD_SIZE = 1 + 3 * PLANE_SIZE;
    /** CIFAR-10 labels are 0..9. */
    public static final int CLASS_COUNT = 10;
    /** Records of one CIFAR-10 batch (data_batch_1..5, test_batch): the most {@link #read} holds in memory. */
    public static final int MAXIMUM_BATCH_RECORDS = 10_000;

    private Cifar10BinaryReader() {
    }

    /** Reads a whole batch, at most {@value #MAXIMUM_BATCH_RECORDS} records, into memory. */
    public static LabelledImages read(final InputStream input) throws IOException, DatasetFormatException {
        try (LabelledImageStream stream = open(input)) {
            final ByteArrayOutputStream labels = new ByteArrayOutputStream();
            final ByteArrayOutputStream pixels = new ByteArrayOutputStream();
            final byte[] image = new byte[3 * PLANE_SIZE];
            int label = stream.readNext(image);
            while (label >= 0) {
                // Gzip input has no size to check first: 2 MB of gzip inflates to 2 GB of valid all-zero records.
                if (labels.size() == MAXIMUM_BATCH_RECORDS) {
                    throw new DatasetFormatException("The CIFAR-10 binary batch holds more than the " + MAXIMUM_BATCH_RECORDS
                            + " records of a CIFAR-10 batch; it is not read into memory (stream it with Cifar10BinaryReader.open instead)");
                }
                labels.write(label);
                pixels.write(image);
                label = stream.readNext(image);
            }
            return new LabelledImages(labels.size(), IMAGE_SIDE, IMAGE_SIDE, 3, labels.toByteArray(), pixels.toByteArray());
        }
    }

    /**
     * Opens a batch for reading one record at a time. Closing the returned stream closes {@code input}.
     *
     * @throws DatasetFormatException when the input is empty or not valid gzip
     */
    public static LabelledImageStream open(final InputStream input) throws IOException, DatasetFormatException {
        return new RecordStream(CompressedInput.decompressIfGzip(input));
    }

    private static final class RecordStream implements LabelledImageStream {

        private final InputStream input;
        private final byte[] record = new byte[RECORD_SIZE];
        private long recordsRead;

        private RecordStream(final InputStream input) {
            this.input = input;
        }

        @Override
        public int height() {
            return IMAGE_SIDE;
        }

        @Override
        public int width() {
            return IMAGE_SIDE;
        }

        @Override
        public int channels() {
            return 3;
        }

        @Override
        public long declaredCount() {
            return -1;
        }

        @Override
        public int readNext(final byte[] pixels) throws IOException, DatasetFormatException {
            final int read = CompressedInput.readFully(input, record, 0, RECORD_SIZE);
            if (read == 0) {
                if (recordsRead == 0) {
                    throw new DatasetFormatException("The CIFAR-10 binary batch is empty: it contains no records");
                }
                return -1;
            }
            if (read < RECORD_SIZE) {
                throw new DatasetFormatException("The CIFAR-10 binary batch is truncated: record " + recordsRead + " has only " + read
                        + " of " + RECORD_SIZE + " bytes (1 label byte + 3072 pixel bytes); the data holds " + recordsRead + " complete records");
            }
            final int label = Byte.toUnsignedInt(record[0]);
            if (label >= CLASS_COUNT) {
                throw new DatasetFormatException("Record " + recordsRead + " of the CIFAR-10 binary batch has label " + label
                        + " but CIFAR-10 labels are 0.." + (CLASS_COUNT - 1) + " (is this really a CIFAR-10 binary batch, not CIFAR-100 or another file?)");
            }
            // planar R plane, G plane, B plane -> interleaved RGB per pixel
            for (int pixel = 0; pixel < PLANE_SIZE; pixel++) {
                final int destination = pixel * 3;
                pixels[destination] = record[1 + pixel];
                pixels[destination + 1] = record[1 + PLANE_SIZE + pixel];
                pixels[destination + 2] = record[1 + 2 * PLANE_SIZE + pixel];
            }
            recordsRead++;
            return label;
        }

        @Override
        public void close() throws IOException {
            input.close();
        }
    }
}

package dev.nificnn.dataset;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads an IDX image file with its IDX label file (the MNIST / Fashion-MNIST format), gzip-compressed or not.
 * <p>
 * IDX is big-endian: two zero bytes, a data type byte (only 0x08, unsigned byte, is supported), a dimension count byte,
 * one 32-bit size per dimension, then the data. Images have 3 dimensions (count, rows, columns) or 4 (count, rows, columns,
 * channels with 1 or 3 channels); labels have 1 dimension (count). Gzip is recognised by its magic bytes, not by the file name.
 */
public final class IdxReader {

    private static final int UNSIGNED_BYTE_TYPE = 0x08;
    private static final long MAXIMUM_IMAGE_BYTES = 64L * 1024 * 1024;
    private static final int INITIAL_BYTES = 1 << 20;

    private IdxReader() {
    }

    /** Reads the whole dataset into memory. */
    public static LabelledImages read(final Path images, final Path labels) throws IOException, DatasetFormatException {
        try (LabelledImageStream stream = open(openFile(images, "image"), openFile(labels, "label"))) {
            final long declared = stream.declaredCount();
            final long totalBytes = declared * stream.height() * stream.width() * stream.channels();
            if (totalBytes > Integer.MAX_VALUE - 16) {
                throw new DatasetFormatException("The IDX image file declares " + declared + " images (" + totalBytes
                        + " bytes), too many to hold in memory at once; read it with IdxReader.open instead");
            }
            final int count = (int) declared;
            final int imageSize = stream.height() * stream.width() * stream.channels();
            // The arrays grow with the images actually read: a 30-byte file declaring two billion images must not cost 4 GB
            // before its truncation is found (and gzip input has no size to compare the declared count with).
            byte[] labelBytes = new byte[Math.min(count, Math.max(1, INITIAL_BYTES / imageSize))];
            byte[] pixels = new byte[labelBytes.length * imageSize];
            final byte[] image = new byte[imageSize];
            for (int index = 0; index < count; index++) {
                final int label = stream.readNext(image);
                if (index == labelBytes.length) {
                    final int capacity = (int) Math.min(count, 2L * labelBytes.length);
                    labelBytes = Arrays.copyOf(labelBytes, capacity);
                    pixels = Arrays.copyOf(pixels, capacity * imageSize);
                }
                labelBytes[index] = (byte) label;
                System.arraycopy(image, 0, pixels, index * imageSize, imageSize);
            }
            return new LabelledImages(count, stream.height(), stream.width(), stream.channels(), labelBytes, pixels);
        }
    }

    /**
     * Opens an image stream and its label stream, checks both headers and that they declare the same number of items, and
     * returns a stream of the images. Closing the returned stream closes both inputs; so does a failure here.
     */
    public static LabelledImageStream open(final InputStream images, final InputStream labels) throws IOException, DatasetFormatException {
        try {
            final DataInputStream imageData = new DataInputStream(CompressedInput.decompressIfGzip(images));
            final DataInputStream labelData = new DataInputStream(CompressedInput.decompressIfGzip(labels));
            final int[] imageDimensions = readHeader(imageData, "image");
            final int[] labelDimensions = readHeader(labelData, "label");
            if (imageDimensions.length != 3 && imageDimensions.length != 4) {
                throw new DatasetFormatException("The IDX image file has " + imageDimensions.length
                        + " dimensions; expected 3 (count, rows, columns) or 4 (count, rows, columns, channels) (magic 0x00000803 or 0x00000804)");
            }
            if (labelDimensions.length != 1) {
                throw new DatasetFormatException("The IDX label file has " + labelDimensions.length + " dimensions; expected 1 (magic 0x00000801)"
                        + (labelDimensions.length >= 3 ? ": it looks like an image file, are the image and label files swapped?" : ""));
            }
            final int channels = imageDimensions.length == 4 ? imageDimensions[3] : 1;
            if (channels != 1 && channels != 3) {
                throw new DatasetFormatException("The IDX image file has " + channels + " channels per pixel; only 1 (grey) or 3 (RGB) are supported");
            }
            if (imageDimensions[1] == 0 || imageDimensions[2] == 0) {
                throw new DatasetFormatException("The IDX image file declares empty images of " + imageDimensions[1] + " x " + imageDimensions[2] + " pixels");
            }
            if ((long) imageDimensions[1] * imageDimensions[2] * channels > MAXIMUM_IMAGE_BYTES) {
                throw new DatasetFormatException("The IDX image file declares images of " + imageDimensions[1] + " x " + imageDimensions[2]
                        + " x " + channels + " bytes, more than the supported " + MAXIMUM_IMAGE_BYTES + " bytes per image");
            }
            if (imageDimensions[0] != labelDimensions[0]) {
                throw new DatasetFormatException("The IDX image file declares " + imageDimensions[0] + " images but the label file declares "
                        + labelDimensions[0] + " labels; they must be a matching pair");
            }
            return new IdxStream(imageData, labelData, imageDimensions[0], imageDimensions[1], imageDimensions[2], channels);
        } catch (final IOException | DatasetFormatException | RuntimeException e) {
            closeQuietly(images, e);
            closeQuietly(labels, e);
            throw e;
        }
    }

    private static InputStream openFile(final Path file, final String role) throws IOException, DatasetFormatException {
        try {
            return Files.newInputStream(file);
        } catch (final NoSuchFileException e) {
            throw new DatasetFormatException("The IDX " + role + " file " + file + " does not exist", e);
        }
    }

    private static int[] readHeader(final DataInputStream input, final String role) throws IOException, DatasetFormatException {
        final byte[] magic = new byte[4];
        final int magicRead = CompressedInput.readFully(input, magic, 0, 4);
        if (magicRead < 4) {
            throw new DatasetFormatException("The IDX " + role + " file is truncated: it has only " + magicRead + " bytes, less than its 4-byte magic number");
        }
        final String magicHex = String.format("0x%02x%02x%02x%02x", magic[0], magic[1], magic[2], magic[3]);
        if (magic[0] != 0 || magic[1] != 0) {
            throw new DatasetFormatException("The " + role + " file is not an IDX file: its magic number is " + magicHex
                    + " but an IDX magic number starts with two zero bytes (e.g. 0x00000803 for images, 0x00000801 for labels)");
        }
        final int type = Byte.toUnsignedInt(magic[2]);
        if (type != UNSIGNED_BYTE_TYPE) {
            throw new DatasetFormatException("The IDX " + role + " file has data type 0x" + String.format("%02x", type)
                    + " (magic " + magicHex + "); only unsigned bytes (0x08) are supported");
        }
        final int dimensionCount = Byte.toUnsignedInt(magic[3]);
        if (dimensionCount == 0) {
            throw new DatasetFormatException("The IDX " + role + " file declares zero dimensions (magic " + magicHex + ")");
        }
        final byte[] sizes = new byte[4 * dimensionCount];
        final int sizesRead = CompressedInput.readFully(input, sizes, 0, sizes.length);
        if (sizesRead < sizes.length) {
            throw new DatasetFormatException("The IDX " + role + " file is truncated inside its header: " + dimensionCount
                    + " dimension sizes need " + sizes.length + " bytes but only " + sizesRead + " follow the magic number");
        }
        final int[] dimensions = new int[dimensionCount];
        for (int dimension = 0; dimension < dimensionCount; dimension++) {
            final int offset = 4 * dimension;
            dimensions[dimension] = (Byte.toUnsignedInt(sizes[offset]) << 24) | (Byte.toUnsignedInt(sizes[offset + 1]) << 16)
                    | (Byte.toUnsignedInt(sizes[offset + 2]) << 8) | Byte.toUnsignedInt(sizes[offset + 3]);
            if (dimensions[dimension] < 0) {
                throw new DatasetFormatException("The IDX " + role + " file declares a negative or oversized dimension "
                        + Integer.toUnsignedString(dimensions[dimension]));
            }
        }
        return dimensions;
    }

    private static void closeQuietly(final InputStream input, final Exception primary) {
        try {
            input.close();
        } catch (final IOException e) {
            primary.addSuppressed(e);
        }
    }

    private static final class IdxStream implements LabelledImageStream {

        private final InputStream images;
        private final InputStream labels;
        private final int count;
        private final int height;
        private final int width;
        private final int channels;
        private final byte[] label = new byte[1];
        private int imagesRead;

        private IdxStream(final InputStream images, final InputStream labels, final int count, final int height, final int width, final int channels) {
            this.images = images;
            this.labels = labels;
            this.count = count;
            this.height = height;
            this.width = width;
            this.channels = channels;
        }

        @Override
        public int height() {
            return height;
        }

        @Override
        public int width() {
            return width;
        }

        @Override
        public int channels() {
            return channels;
        }

        @Override
        public long declaredCount() {
            return count;
        }

        @Override
        public int readNext(final byte[] pixels) throws IOException, DatasetFormatException {
            if (imagesRead == count) {
                return -1;
            }
            final int imageSize = height * width * channels;
            final int read = CompressedInput.readFully(images, pixels, 0, imageSize);
            if (read < imageSize) {
                throw new DatasetFormatException("The IDX image file is truncated: it declares " + count + " images of " + imageSize
                        + " bytes but image " + imagesRead + " has only " + read + " bytes");
            }
            if (CompressedInput.readFully(labels, label, 0, 1) < 1) {
                throw new DatasetFormatException("The IDX label file is truncated: it declares " + count + " labels but ends after " + imagesRead);
            }
            imagesRead++;
            return Byte.toUnsignedInt(label[0]);
        }

        @Override
        public void close() throws IOException {
            try {
                images.close();
            } finally {
                labels.close();
            }
        }
    }
}

package dev.nificnn.dataset;

import dev.nificnn.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class IdxReaderTest {

    @TempDir
    Path folder;

    @Test
    void readsGeneratedImagesAndLabels() throws Exception {
        final byte[] pixels = GeneratedDatasets.randomPixels(7, 5, 4, 1);
        final byte[] labels = {9, 0, 3, 3, 7, 1, (byte) 200};
        final LabelledImages images = IdxReader.read(write("images", GeneratedDatasets.idxImages(7, 5, 4, pixels)),
                write("labels", GeneratedDatasets.idxLabels(labels)));

        assertEquals(7, images.count());
        assertEquals(5, images.height());
        assertEquals(4, images.width());
        assertEquals(1, images.channels());
        assertArrayEquals(labels, images.labels());
        assertEquals(200, images.label(6));
        assertArrayEquals(pixels, images.pixels());
        assertArrayEquals(Arrays.copyOfRange(pixels, 3 * 20, 4 * 20), images.image(3));
    }

    @Test
    void detectsGzipByMagicBytesNotByFileName() throws Exception {
        final byte[] pixels = GeneratedDatasets.randomPixels(4, 3, 3, 2);
        final byte[] labels = {1, 2, 3, 4};
        // a compressed image file without .gz and an uncompressed label file with .gz
        final LabelledImages images = IdxReader.read(write("images-idx3-ubyte", GeneratedDatasets.gzip(GeneratedDatasets.idxImages(4, 3, 3, pixels))),
                write("labels-idx1-ubyte.gz", GeneratedDatasets.idxLabels(labels)));

        assertArrayEquals(pixels, images.pixels());
        assertArrayEquals(labels, images.labels());
    }

    @Test
    void readsRgbImagesWithFourDimensions() throws Exception {
        final byte[] pixels = GeneratedDatasets.randomPixels(2, 2, 6, 3);
        final ByteBuffer file = ByteBuffer.allocate(20 + pixels.length);
        file.putInt(0x00000804).putInt(2).putInt(2).putInt(2).putInt(3).put(pixels);
        final LabelledImages images = IdxReader.read(write("images", file.array()), write("labels", GeneratedDatasets.idxLabels(new byte[] {0, 1})));

        assertEquals(3, images.channels());
        assertEquals(2, images.width());
        assertArrayEquals(pixels, images.pixels());
    }

    @Test
    void rejectsWrongMagic() throws Exception {
        final byte[] notIdx = "PK\u0003\u0004 this is a zip file".getBytes(StandardCharsets.ISO_8859_1);
        final DatasetFormatException exception = assertThrows(DatasetFormatException.class,
                () -> IdxReader.read(write("images", notIdx), write("labels", GeneratedDatasets.idxLabels(new byte[1]))));

        assertEquals("The image file is not an IDX file: its magic number is 0x504b0304 but an IDX magic number starts with two zero"
                + " bytes (e.g. 0x00000803 for images, 0x00000801 for labels)", exception.getMessage());
    }

    @Test
    void rejectsUnsupportedDataType() throws Exception {
        final ByteBuffer file = ByteBuffer.allocate(16 + 4 * 4);
        file.putInt(0x00000d03).putInt(1).putInt(2).putInt(2);
        final DatasetFormatException exception = assertThrows(DatasetFormatException.class,
                () -> IdxReader.read(write("images", file.array()), write("labels", GeneratedDatasets.idxLabels(new byte[1]))));

        assertEquals("The IDX image file has data type 0x0d (magic 0x00000d03); only unsigned bytes (0x08) are supported", exception.getMessage());
    }

    @Test
    void rejectsSwappedFiles() throws Exception {
        final byte[] images = GeneratedDatasets.idxImages(2, 2, 2, new byte[8]);
        final byte[] labels = GeneratedDatasets.idxLabels(new byte[2]);
        final DatasetFormatException exception = assertThrows(DatasetFormatException.class,
                () -> IdxReader.read(write("labels", labels), write("images", images)));

        assertEquals("The IDX image file has 1 dimensions; expected 3 (count, rows, columns) or 4 (count, rows, columns, channels)"
                + " (magic 0x00000803 or 0x00000804)", exception.getMessage());
    }

    @Test
    void rejectsImageAndLabelCountMismatch() throws Exception {
        final DatasetFormatException exception = assertThrows(DatasetFormatException.class,
                () -> IdxReader.read(write("images", GeneratedDatasets.idxImages(3, 2, 2, new byte[12])),
                        write("labels", GeneratedDatasets.idxLabels(new byte[4]))));

        assertEquals("The IDX image file declares 3 images but the label file declares 4 labels; they must be a matching pair", exception.getMessage());
    }

    @Test
    void rejectsTruncatedImageData() throws Exception {
        final byte[] images = Arrays.copyOf(GeneratedDatasets.idxImages(3, 2, 2, new byte[12]), 16 + 9);
        final DatasetFormatException exception = assertThrows(DatasetFormatException.class,
                () -> IdxReader.read(write("images", images), write("labels", GeneratedDatasets.idxLabels(new byte[3]))));

        assertEquals("The IDX image file is truncated: it declares 3 images of 4 bytes but image 2 has only 1 bytes", exception.getMessage());
    }

    @Test
    void rejectsTruncatedLabels() throws Exception {
        final byte[] labels = Arrays.copyOf(GeneratedDatasets.idxLabels(new byte[3]), 8 + 2);
        final DatasetFormatException exception = assertThrows(DatasetFormatException.class,
                () -> IdxReader.read(write("images", GeneratedDatasets.idxImages(3, 2, 2, new byte[12])), write("labels", labels)));

        assertEquals("The IDX label file is truncated: it declares 3 labels but ends after 2", exception.getMessage());
    }

    @Test
    void rejectsTruncatedHeader() throws Exception {
        final byte[] images = Arrays.copyOf(GeneratedDatasets.idxImages(3, 2, 2, new byte[12]), 10);
        final DatasetFormatException exception = assertThrows(DatasetFormatException.class,
                () -> IdxReader.read(write("images", images), write("labels", GeneratedDatasets.idxLabels(new byte[3]))));

        assertEquals("The IDX image file is truncated inside its header: 3 dimension sizes need 12 bytes but only 6 follow the magic number",
                exception.getMessage());
    }

    @Test
    void rejectsMissingFile() throws Exception {
        final Path missing = folder.resolve("absent-labels");
        final DatasetFormatException exception = assertThrows(DatasetFormatException.class,
                () -> IdxReader.read(write("images", GeneratedDatasets.idxImages(1, 1, 1, new byte[1])), missing));

        assertEquals("The IDX label file " + missing + " does not exist", exception.getMessage());
    }

    @Test
    void readsTheRealFashionMnistTestSet() throws Exception {
        final Path imageFile = SharedData.require("fashion-mnist/t10k-images-idx3-ubyte.gz");
        final Path labelFile = SharedData.require("fashion-mnist/t10k-labels-idx1-ubyte.gz");

        final LabelledImages images = IdxReader.read(imageFile, labelFile);

        assertEquals(10_000, images.count());
        assertEquals(28, images.height());
        assertEquals(28, images.width());
        assertEquals(1, images.channels());
        // independent check: the raw decompressed files, skipping the 16- and 8-byte headers
        final byte[] rawImages = gunzip(imageFile);
        final byte[] rawLabels = gunzip(labelFile);
        assertEquals(16 + 10_000 * 784, rawImages.length);
        assertArrayEquals(Arrays.copyOfRange(rawLabels, 8, rawLabels.length), images.labels());
        assertArrayEquals(Arrays.copyOfRange(rawImages, 16 + 1234 * 784, 16 + 1235 * 784), images.image(1234));
        assertArrayEquals(Arrays.copyOfRange(rawImages, 16, rawImages.length), images.pixels());
        // the test set is balanced: 1,000 of each of the 10 classes
        final int[] perClass = new int[10];
        for (int index = 0; index < images.count(); index++) {
            perClass[images.label(index)]++;
        }
        final int[] thousandEach = new int[10];
        Arrays.fill(thousandEach, 1000);
        assertArrayEquals(thousandEach, perClass);
        // first test image of Fashion-MNIST is an ankle boot (label 9)
        assertEquals(9, images.label(0));
        assertEquals(2, images.label(1));
    }

    private static byte[] gunzip(final Path file) throws IOException {
        try (InputStream input = new DataInputStream(new GZIPInputStream(Files.newInputStream(file)))) {
            return input.readAllBytes();
        }
    }

    private Path write(final String name, final byte[] content) throws IOException {
        return Files.write(folder.resolve(name), content);
    }

    @Test
    void streamsOneImageAtATime() throws Exception {
        final byte[] pixels = GeneratedDatasets.randomPixels(3, 2, 2, 5);
        try (LabelledImageStream stream = IdxReader.open(new ByteArrayInputStream(GeneratedDatasets.idxImages(3, 2, 2, pixels)),
                new ByteArrayInputStream(GeneratedDatasets.idxLabels(new byte[] {4, 5, 6})))) {
            assertEquals(3, stream.declaredCount());
            final byte[] image = new byte[4];
            assertEquals(4, stream.readNext(image));
            assertArrayEquals(Arrays.copyOfRange(pixels, 0, 4), image);
            assertEquals(5, stream.readNext(image));
            assertEquals(6, stream.readNext(image));
            assertArrayEquals(Arrays.copyOfRange(pixels, 8, 12), image);
            assertEquals(-1, stream.readNext(image));
        }
    }
}

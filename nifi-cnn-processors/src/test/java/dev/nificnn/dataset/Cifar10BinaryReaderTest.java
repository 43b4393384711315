package dev.nificnn.dataset;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Cifar10BinaryReaderTest {

    @Test
    void readsLabelsAndTurnsPlanarPixelsIntoInterleavedRgb() throws Exception {
        final LabelledImages images = Cifar10BinaryReader.read(new ByteArrayInputStream(GeneratedDatasets.cifarBatch(12)));

        assertEquals(12, images.count());
        assertEquals(32, images.height());
        assertEquals(32, images.width());
        assertEquals(3, images.channels());
        for (int image = 0; image < 12; image++) {
            assertEquals(image % 10, images.label(image));
            final byte[] pixels = images.image(image);
            for (int row = 0; row < 32; row++) {
                for (int column = 0; column < 32; column++) {
                    final int offset = (row * 32 + column) * 3;
                    assertEquals(GeneratedDatasets.cifarRed(image, row, column), Byte.toUnsignedInt(pixels[offset]));
                    assertEquals(GeneratedDatasets.cifarGreen(image, row, column), Byte.toUnsignedInt(pixels[offset + 1]));
                    assertEquals(GeneratedDatasets.cifarBlue(image, row, column), Byte.toUnsignedInt(pixels[offset + 2]));
                }
            }
        }
    }

    @Test
    void mapsTheFirstBytesOfARecordToTheFirstPixel() throws Exception {
        final byte[] record = new byte[3073];
        record[0] = 3;
        record[1] = 10;
        record[1 + 1024] = 20;
        record[1 + 2048] = 30;
        record[2] = 11;
        record[1 + 1023] = (byte) 200;
        final LabelledImages images = Cifar10BinaryReader.read(new ByteArrayInputStream(record));

        assertEquals(3, images.label(0));
        assertArrayEquals(new byte[] {10, 20, 30, 11, 0, 0}, Arrays.copyOf(images.pixels(), 6));
        assertEquals(200, Byte.toUnsignedInt(images.pixels()[1023 * 3]));
    }

    @Test
    void readsGzipCompressedBatchesDetectedByMagicBytes() throws Exception {
        final byte[] batch = GeneratedDatasets.cifarBatch(5);
        final LabelledImages plain = Cifar10BinaryReader.read(new ByteArrayInputStream(batch));
        final LabelledImages compressed = Cifar10BinaryReader.read(new ByteArrayInputStream(GeneratedDatasets.gzip(batch)));

        assertEquals(5, compressed.count());
        assertArrayEquals(plain.labels(), compressed.labels());
        assertArrayEquals(plain.pixels(), compressed.pixels());
    }

    @Test
    void rejectsATruncatedBatchSayingWhichRecord() {
        final byte[] truncated = Arrays.copyOf(GeneratedDatasets.cifarBatch(3), 2 * 3073 + 100);
        final DatasetFormatException exception = assertThrows(DatasetFormatException.class,
                () -> Cifar10BinaryReader.read(new ByteArrayInputStream(truncated)));

        assertEquals("The CIFAR-10 binary batch is truncated: record 2 has only 100 of 3073 bytes (1 label byte + 3072 pixel bytes);"
                + " the data holds 2 complete records", exception.getMessage());
    }

    @Test
    void rejectsATruncatedGzipStream() {
        final byte[] compressed = GeneratedDatasets.gzip(GeneratedDatasets.cifarBatch(30));
        final byte[] truncated = Arrays.copyOf(compressed, compressed.length / 2);
        final DatasetFormatException exception = assertThrows(DatasetFormatException.class,
                () -> Cifar10BinaryReader.read(new ByteArrayInputStream(truncated)));

        assertTrue(exception.getMessage().startsWith("The gzip-compressed data is truncated"), exception.getMessage());
    }

    @Test
    void rejectsEmptyInput() {
        final DatasetFormatException exception = assertThrows(DatasetFormatException.class,
                () -> Cifar10BinaryReader.read(new ByteArrayInputStream(new byte[0])));

        assertEquals("The CIFAR-10 binary batch is empty: it contains no records", exception.getMessage());
    }

    @Test
    void rejectsALabelOutsideTheTenClasses() {
        final byte[] batch = GeneratedDatasets.cifarBatch(2);
        batch[3073] = 42;
        final DatasetFormatException exception = assertThrows(DatasetFormatException.class,
                () -> Cifar10BinaryReader.read(new ByteArrayInputStream(batch)));

        assertTrue(exception.getMessage().startsWith("Record 1 of the CIFAR-10 binary batch has label 42 but CIFAR-10 labels are 0..9"),
                exception.getMessage());
    }
}

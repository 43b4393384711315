package dev.nificnn.dataset;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * Builds small dataset files in the CIFAR-10 binary and IDX formats, with known pixels, for tests.
 */
public final class GeneratedDatasets {

    private GeneratedDatasets() {
    }

    /** Red value of pixel (row, column) of CIFAR image {@code image}: every plane gets a different, checkable pattern. */
    public static int cifarRed(final int image, final int row, final int column) {
        return (image * 31 + row * 7 + column) & 0xff;
    }

    public static int cifarGreen(final int image, final int row, final int column) {
        return (image * 17 + row * 3 + column * 5 + 100) & 0xff;
    }

    public static int cifarBlue(final int image, final int row, final int column) {
        return (255 - image * 11 - row - column * 2) & 0xff;
    }

    /** CIFAR-10 binary batch of {@code count} records; record i has label {@code i % 10} and the cifarRed/Green/Blue patterns. */
    public static byte[] cifarBatch(final int count) {
        final ByteBuffer batch = ByteBuffer.allocate(count * 3073);
        for (int image = 0; image < count; image++) {
            batch.put((byte) (image % 10));
            for (int row = 0; row < 32; row++) {
                for (int column = 0; column < 32; column++) {
                    batch.put((byte) cifarRed(image, row, column));
                }
            }
            for (int row = 0; row < 32; row++) {
                for (int column = 0; column < 32; column++) {
                    batch.put((byte) cifarGreen(image, row, column));
                }
            }
            for (int row = 0; row < 32; row++) {
                for (int column = 0; column < 32; column++) {
                    batch.put((byte) cifarBlue(image, row, column));
                }
            }
        }
        return batch.array();
    }

    /** Seeded random grey pixels of {@code count} images of rows x columns. */
    public static byte[] randomPixels(final int count, final int rows, final int columns, final long seed) {
        final byte[] pixels = new byte[count * rows * columns];
        new Random(seed).nextBytes(pixels);
        return pixels;
    }

    /** An IDX image file (magic 0x00000803) holding the given grey pixels. */
    public static byte[] idxImages(final int count, final int rows, final int columns, final byte[] pixels) {
        final ByteBuffer file = ByteBuffer.allocate(16 + pixels.length);
        file.putInt(0x00000803).putInt(count).putInt(rows).putInt(columns).put(pixels);
        return file.array();
    }

    /** An IDX label file (magic 0x00000801). */
    public static byte[] idxLabels(final byte[] labels) {
        final ByteBuffer file = ByteBuffer.allocate(8 + labels.length);
        file.putInt(0x00000801).putInt(labels.length).put(labels);
        return file.array();
    }

    /** Labels 0..9 repeating. */
    public static byte[] cyclicLabels(final int count) {
        final byte[] labels = new byte[count];
        for (int index = 0; index < count; index++) {
            labels[index] = (byte) (index % 10);
        }
        return labels;
    }

    public static byte[] gzip(final byte[] data) {
        final ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(compressed)) {
            gzip.write(data);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        return compressed.toByteArray();
    }
}

package dev.nificnn.dataset;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile IDX and CIFAR-10 files: declared counts far beyond the bytes present, images larger than any dataset's, and gzip that
 * inflates to more than a batch. Each is refused within a second, naming the limit, without allocating what it declares.
 */
class DatasetFileHostileTest {

    private static final Duration SECOND = Duration.ofSeconds(1);

    @TempDir
    Path directory;

    private Path write(final String name, final byte[] content) throws IOException {
        return Files.write(directory.resolve(name), content);
    }

    private static byte[] idxImagesDeclaring(final int count, final int rows, final int columns, final int pixelBytes) {
        return ByteBuffer.allocate(16 + pixelBytes).putInt(0x00000803).putInt(count).putInt(rows).putInt(columns).array();
    }

    private static byte[] idxLabelsDeclaring(final int count, final int labelBytes) {
        return ByteBuffer.allocate(8 + labelBytes).putInt(0x00000801).putInt(count).array();
    }

    private static String refusal(final ThrowingRead read) {
        return assertTimeoutPreemptively(SECOND, () -> assertThrows(DatasetFormatException.class, read::run)).getMessage();
    }

    private interface ThrowingRead {
        void run() throws Exception;
    }

    @Test
    void idxFilesDeclaringTwoBillionImagesInThirtyBytesAreRefusedWithoutAllocatingThem() throws Exception {
        // 2,147,483,000 one-pixel images: 2 GB of labels and 2 GB of pixels if allocated as declared.
        final Path images = write("images", idxImagesDeclaring(2_147_483_000, 1, 1, 10));
        final Path labels = write("labels", idxLabelsDeclaring(2_147_483_000, 10));
        assertEquals("The IDX image file is truncated: it declares 2147483000 images of 1 bytes but image 10 has only 0 bytes",
                refusal(() -> IdxReader.read(images, labels)));
    }

    @Test
    void idxFilesDeclaringMoreThanMemoryHoldsAreRefusedByTheirHeader() throws Exception {
        final Path images = write("images", idxImagesDeclaring(100_000, 200, 200, 0));
        final Path labels = write("labels", idxLabelsDeclaring(100_000, 0));
        assertEquals("The IDX image file declares 100000 images (4000000000 bytes), too many to hold in memory at once; read it with"
                + " IdxReader.open instead", refusal(() -> IdxReader.read(images, labels)));
    }

    @Test
    void gzipIdxFilesDeclaringMoreImagesThanTheyHoldAreRefused() throws Exception {
        final Path images = write("images.gz", GeneratedDatasets.gzip(idxImagesDeclaring(500_000_000, 2, 2, 40)));
        final Path labels = write("labels.gz", GeneratedDatasets.gzip(idxLabelsDeclaring(500_000_000, 10)));
        assertEquals("The IDX image file is truncated: it declares 500000000 images of 4 bytes but image 10 has only 0 bytes",
                refusal(() -> IdxReader.read(images, labels)));
    }

    @Test
    void anIdxImageLargerThanTheLimitIsRefusedByItsHeader() {
        final byte[] images = idxImagesDeclaring(1, 65_535, 65_535, 0);
        final byte[] labels = idxLabelsDeclaring(1, 0);
        assertEquals("The IDX image file declares images of 65535 x 65535 x 1 bytes, more than the supported 67108864 bytes per image",
                refusal(() -> IdxReader.open(new ByteArrayInputStream(images), new ByteArrayInputStream(labels))));
    }

    @Test
    void anIdxCountAboveTwoBillionIsRefusedByItsHeader() {
        final byte[] images = idxImagesDeclaring(-1, 1, 1, 0);
        final byte[] labels = idxLabelsDeclaring(1, 0);
        assertEquals("The IDX image file declares a negative or oversized dimension 4294967295",
                refusal(() -> IdxReader.open(new ByteArrayInputStream(images), new ByteArrayInputStream(labels))));
    }

    @Test
    void aCifarBatchInflatingToMoreThanABatchIsNotHeldInMemory() throws Exception {
        // 10,001 all-zero records (label 0, black images) are valid records: 30 MB from 30 KB of gzip.
        final byte[] bomb = GeneratedDatasets.gzip(new byte[(Cifar10BinaryReader.MAXIMUM_BATCH_RECORDS + 1) * Cifar10BinaryReader.RECORD_SIZE]);
        assertTrue(bomb.length < 100_000, "small on disk: " + bomb.length);
        assertEquals("The CIFAR-10 binary batch holds more than the 10000 records of a CIFAR-10 batch; it is not read into memory"
                + " (stream it with Cifar10BinaryReader.open instead)", refusal(() -> Cifar10BinaryReader.read(new ByteArrayInputStream(bomb))));
    }

    @Test
    void aFullCifarBatchIsStillRead() throws Exception {
        final LabelledImages batch = Cifar10BinaryReader.read(new ByteArrayInputStream(GeneratedDatasets.cifarBatch(Cifar10BinaryReader.MAXIMUM_BATCH_RECORDS)));
        assertEquals(Cifar10BinaryReader.MAXIMUM_BATCH_RECORDS, batch.count());
    }

    @Test
    void aTruncatedCifarRecordIsRefused() {
        final byte[] truncated = new byte[Cifar10BinaryReader.RECORD_SIZE + 100];
        assertEquals("The CIFAR-10 binary batch is truncated: record 1 has only 100 of 3073 bytes (1 label byte + 3072 pixel bytes);"
                + " the data holds 1 complete records", refusal(() -> Cifar10BinaryReader.read(new ByteArrayInputStream(truncated))));
    }
}

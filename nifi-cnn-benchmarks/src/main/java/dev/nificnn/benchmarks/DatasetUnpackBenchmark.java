package dev.nificnn.benchmarks;

import dev.nificnn.dataset.Cifar10BinaryReader;
import dev.nificnn.dataset.DatasetFormatException;
import dev.nificnn.dataset.DatasetImagePngEncoder;
import dev.nificnn.dataset.LabelledImageStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Time per image to unpack a CIFAR-10 binary batch: parsing the records alone, and parsing plus PNG encoding (what UnpackImageDataset does per image).
 * Run with {@code bench/run DatasetUnpack -f 1 -wi 3 -i 5}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class DatasetUnpackBenchmark {

    private static final int RECORDS = 1000;

    private byte[] batch;

    @Setup
    public void createBatch() {
        // smooth pixel patterns with noise, closer to photos than pure noise, so that PNG compression does realistic work
        batch = new byte[RECORDS * Cifar10BinaryReader.RECORD_SIZE];
        final Random random = new Random(1);
        for (int record = 0; record < RECORDS; record++) {
            final int start = record * Cifar10BinaryReader.RECORD_SIZE;
            batch[start] = (byte) (record % 10);
            for (int index = 1; index < Cifar10BinaryReader.RECORD_SIZE; index++) {
                batch[start + index] = (byte) (((index % 32) * 4 + (index / 96) + random.nextInt(16)) & 0xff);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public long parseRecords() throws IOException, DatasetFormatException {
        long checksum = 0;
        final byte[] pixels = new byte[3 * Cifar10BinaryReader.PLANE_SIZE];
        try (LabelledImageStream images = Cifar10BinaryReader.open(new ByteArrayInputStream(batch))) {
            int label = images.readNext(pixels);
            while (label >= 0) {
                checksum += label + pixels[100];
                label = images.readNext(pixels);
            }
        }
        return checksum;
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public long parseRecordsAndEncodePng() throws IOException, DatasetFormatException {
        long bytes = 0;
        final byte[] pixels = new byte[3 * Cifar10BinaryReader.PLANE_SIZE];
        try (LabelledImageStream images = Cifar10BinaryReader.open(new ByteArrayInputStream(batch))) {
            int label = images.readNext(pixels);
            while (label >= 0) {
                bytes += DatasetImagePngEncoder.encode(pixels, 32, 32, 3).length;
                label = images.readNext(pixels);
            }
        }
        return bytes;
    }
}

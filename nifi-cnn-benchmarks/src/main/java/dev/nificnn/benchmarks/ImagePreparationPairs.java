package dev.nificnn.benchmarks;

import dev.nificnn.image.ImageDecodeException;
import dev.nificnn.image.ImageDecoder;

import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;

/**
 * Issue 2 point 8 measured so that a shared machine's wandering speed cancels out: in one JVM, after warming both paths up,
 * our path and the naive path of {@link ImagePreparationBenchmark} run in alternating blocks of a few images (which path
 * goes first alternates too); each pair of neighbouring blocks gives one ratio (naive time / our time), and the report is the
 * median of those ratios with its quartiles, next to each path's median time per image. JMH measures the two paths minutes apart in separate forks, where a
 * busy spell on the host can land on one of them only; here both see the same spells.
 * Run: {@code bench/image-preparation-pairs [PAIRS]}.
 */
public final class ImagePreparationPairs {

    private static final int IMAGES_PER_BLOCK = 20;
    private static final long WARM_UP_NANOS = 8_000_000_000L;

    /** Written by every image, read once at the end. */
    private static double sink;

    private ImagePreparationPairs() {
    }

    public static void main(final String[] arguments) throws IOException, ImageDecodeException {
        final int pairs = arguments.length > 0 ? Integer.parseInt(arguments[0]) : 400;
        System.out.println("JPEG decoding (ours): " + ImageDecoder.jpegDecoderStatus());
        System.out.printf(Locale.ROOT, "%-12s %8s %14s %14s %16s %12s%n", "input", "pairs", "naive median", "ours median", "median ratio", "quartiles");
        for (final String input : new String[] {"png32", "jpeg500x375"}) {
            final ImagePreparationBenchmark benchmark = new ImagePreparationBenchmark();
            benchmark.input = input;
            benchmark.prepare();
            for (final long end = System.nanoTime() + WARM_UP_NANOS; System.nanoTime() < end; ) {
                block(benchmark, true);
                block(benchmark, false);
            }
            final double[] naiveTimes = new double[pairs];
            final double[] ourTimes = new double[pairs];
            final double[] ratios = new double[pairs];
            for (int pair = 0; pair < pairs; pair++) {
                // Alternate which path goes first, so that neither always runs in the caches the other left behind.
                final long naiveNanos;
                final long ourNanos;
                if (pair % 2 == 0) {
                    naiveNanos = block(benchmark, true);
                    ourNanos = block(benchmark, false);
                } else {
                    ourNanos = block(benchmark, false);
                    naiveNanos = block(benchmark, true);
                }
                naiveTimes[pair] = naiveNanos / 1e3 / IMAGES_PER_BLOCK;
                ourTimes[pair] = ourNanos / 1e3 / IMAGES_PER_BLOCK;
                ratios[pair] = naiveTimes[pair] / ourTimes[pair];
            }
            Arrays.sort(naiveTimes);
            Arrays.sort(ourTimes);
            Arrays.sort(ratios);
            System.out.printf(Locale.ROOT, "%-12s %8d %11.1f us %11.1f us %15.2fx %5.2f-%.2fx%n", input, pairs, median(naiveTimes), median(ourTimes),
                    median(ratios), ratios[pairs / 4], ratios[3 * pairs / 4]);
        }
        System.out.printf(Locale.ROOT, "(checksum %.3f)%n", sink);
    }

    /** Nanoseconds for one block of images through the naive path or ours. */
    private static long block(final ImagePreparationBenchmark benchmark, final boolean naive) throws IOException, ImageDecodeException {
        final long start = System.nanoTime();
        for (int i = 0; i < IMAGES_PER_BLOCK; i++) {
            // A value from each result goes into a field, so that the JIT cannot drop the work.
            sink += naive ? benchmark.naive()[0] : benchmark.prepared().get(0);
        }
        return System.nanoTime() - start;
    }

    private static double median(final double[] sorted) {
        return sorted[sorted.length / 2];
    }
}

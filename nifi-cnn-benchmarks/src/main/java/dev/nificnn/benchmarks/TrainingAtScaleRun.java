package dev.nificnn.benchmarks;

import dev.nificnn.classifier.ClassifierTrainer;
import dev.nificnn.classifier.EpochListener;
import dev.nificnn.classifier.FeatureMatrix;
import dev.nificnn.classifier.FeatureSource;
import dev.nificnn.classifier.TrainedClassifier;
import dev.nificnn.classifier.TrainingSetStore;
import dev.nificnn.classifier.TrainingSettings;
import dev.nificnn.classifier.ClassifierKind;
import dev.nificnn.classifier.SelectionMetric;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Issue 11 point 3, end to end through TrainImageClassifier's core path: N synthetic D-dimensional feature records (10 Gaussian
 * classes) are gathered into a TrainingSetStore in batches of 32 (as ExtractImageFeatures delivers them), loaded, and trained on
 * with the processor's default settings (softmax regression and a 256-unit MLP); prints times, validation accuracy and the peak
 * Java heap used. Run it under the main job's NiFi heap ({@code -Xmx4g}) to show that heap suffices:
 * {@code java -Xmx4g ... TrainingAtScaleRun 50000 4096 DIR}.
 */
public final class TrainingAtScaleRun {

    private static final int BATCH = 32;
    private static final int CLASSES = 10;

    private TrainingAtScaleRun() {
    }

    public static void main(final String[] arguments) throws Exception {
        final int rows = Integer.parseInt(arguments[0]);
        final int columns = Integer.parseInt(arguments[1]);
        final Path root = Path.of(arguments.length > 2 ? arguments[2] : "target/training-at-scale");
        final Path store = Files.createDirectories(root.resolve(rows + "x" + columns));
        final Random random = new Random(2026);
        final float[][] centres = new float[CLASSES][columns];
        for (final float[] centre : centres) {
            for (int column = 0; column < columns; column++) {
                centre[column] = (float) Math.abs(random.nextGaussian());
            }
        }
        final long gatherStart = System.nanoTime();
        final TrainingSetStore set = TrainingSetStore.open(store, "scale-run", Long.MAX_VALUE);
        final float[] row = new float[columns];
        int input = 0;
        for (int start = 0; start < rows; start += BATCH) {
            try (TrainingSetStore.Block block = set.begin("input-" + input++, rows, 0, new FeatureSource("synthetic", "d" + columns))) {
                for (int index = start; index < Math.min(rows, start + BATCH); index++) {
                    final int label = random.nextInt(CLASSES);
                    for (int column = 0; column < columns; column++) {
                        row[column] = (float) (centres[label][column] + 3.0 * random.nextGaussian());
                    }
                    block.add("class-" + label, row, index - start + 1);
                }
                block.commit();
            }
        }
        final double gatherSeconds = (System.nanoTime() - gatherStart) / 1e9;
        final long storeBytes;
        try (var folders = Files.list(store)) {
            storeBytes = Files.size(folders.findFirst().orElseThrow().resolve("records.bin"));
        }
        final long loadStart = System.nanoTime();
        final FeatureMatrix matrix = set.load();
        final double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
        final TrainingSettings settings = new TrainingSettings(EnumSet.of(ClassifierKind.SOFTMAX_REGRESSION, ClassifierKind.MULTILAYER_PERCEPTRON),
                List.of(256), 0.2, 1e-4, 1e-3, 50, 5, 256, 0.1, SelectionMetric.ACCURACY, 42);
        final long trainStart = System.nanoTime();
        final EpochListener listener = (kind, epoch, maximum, loss, accuracy) ->
                System.out.printf(Locale.ROOT, "  %s epoch %d: validation accuracy %.4f, heap used %.0f MB%n", kind.id(), epoch, accuracy, heapUsedMegabytes());
        final TrainedClassifier trained = ClassifierTrainer.train(matrix, settings, set.source(), set.completeness("count-reached"), listener);
        final double trainSeconds = (System.nanoTime() - trainStart) / 1e9;
        set.delete();
        System.out.printf(Locale.ROOT, "%d x %d features (%.0f MB as a matrix, store file %.0f MB): gathered in %.1f s, loaded in %.1f s, trained in %.1f s "
                        + "(%s selected, validation accuracy %.4f); peak heap used %.0f MB of max %.0f MB%n",
                rows, columns, FeatureMatrix.memoryBytes(rows, columns) / 1e6, storeBytes / 1e6, gatherSeconds, loadSeconds, trainSeconds,
                trained.metadata().selectedClassifier(), trained.validation().accuracy(), peakHeapMegabytes(),
                Runtime.getRuntime().maxMemory() / 1e6);
        trained.candidates().forEach(candidate -> System.out.printf(Locale.ROOT, "  %s: %d epochs, %d ms, validation accuracy %.4f%n",
                candidate.kind().id(), candidate.epochs(), candidate.trainingMillis(), candidate.validation().accuracy()));
    }

    private static double heapUsedMegabytes() {
        return (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) / 1e6;
    }

    private static double peakHeapMegabytes() {
        long peak = 0;
        for (final MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak / 1e6;
    }
}

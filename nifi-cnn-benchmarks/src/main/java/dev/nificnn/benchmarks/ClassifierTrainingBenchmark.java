package dev.nificnn.benchmarks;

import dev.nificnn.classifier.ClassifierKind;
import dev.nificnn.classifier.ClassifierModel;
import dev.nificnn.classifier.ClassifierTrainer;
import dev.nificnn.classifier.FeatureMatrix;
import dev.nificnn.classifier.FeatureSource;
import dev.nificnn.classifier.TrainedClassifier;
import dev.nificnn.classifier.TrainingSettings;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Training the softmax regression on 50,000 x 512 synthetic features (compare with bench/sklearn-logistic-regression.py on the same
 * matrix) and scoring records with the trained model.
 * <p>
 * Run: {@code bench/run ClassifierTrainingBenchmark.train}; scoring on one core:
 * {@code OMP_NUM_THREADS=1 taskset -c 0 bench/run ClassifierTrainingBenchmark.score}.
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
public class ClassifierTrainingBenchmark {

    /** Records per scoring call, as ScoreImageClassifier batches them. */
    private static final int SCORING_BATCH = 1024;

    private float[] rawValues;
    private int[] classIndexes;
    private FeatureMatrix matrix;
    private ClassifierModel model;
    private TrainingSettings settings;

    @Setup(Level.Trial)
    public void prepare() throws Exception {
        final FeatureMatrix original = SyntheticFeatureSet.matrix();
        rawValues = original.values().clone();
        classIndexes = original.classIndexes().clone();
        settings = TrainingSettings.defaults().withCandidates(Set.of(ClassifierKind.SOFTMAX_REGRESSION));
        final TrainedClassifier trained = ClassifierTrainer.train(original, settings, FeatureSource.UNKNOWN);
        System.out.printf("%nSoftmax regression on %d x %d: validation accuracy %.4f, epochs %d (best %d), %d ms%n", original.rows(),
                original.columns(), trained.validation().accuracy(), trained.candidates().getFirst().epochs(),
                trained.candidates().getFirst().bestEpoch(), trained.candidates().getFirst().trainingMillis());
        model = new ClassifierModel(trained.network(), trained.normalizer(), trained.metadata());
    }

    /** The trainer standardises in place: every training run starts from a fresh copy of the raw matrix. */
    @Setup(Level.Invocation)
    public void freshMatrix() {
        matrix = new FeatureMatrix(rawValues.clone(), SyntheticFeatureSet.ROWS, SyntheticFeatureSet.COLUMNS, classIndexes.clone(),
                java.util.stream.IntStream.range(0, SyntheticFeatureSet.CLASSES).mapToObj(index -> "class-" + index).toList());
    }

    /** Standardisation, stratified split and the softmax regression with early stopping, as TrainImageClassifier's defaults do. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Warmup(iterations = 1)
    @Measurement(iterations = 5)
    public TrainedClassifier trainSoftmaxRegression() throws Exception {
        return ClassifierTrainer.train(matrix, settings, FeatureSource.UNKNOWN);
    }

    /** Scores all 50,000 records in batches of 1,024, with the top-5 classes of each: reported per record. */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Warmup(iterations = 3, time = 2)
    @Measurement(iterations = 5, time = 3)
    @OperationsPerInvocation(SyntheticFeatureSet.ROWS)
    public void scoreRecords(final Blackhole blackhole) {
        final int columns = SyntheticFeatureSet.COLUMNS;
        final float[] batch = new float[SCORING_BATCH * columns];
        for (int start = 0; start < SyntheticFeatureSet.ROWS; start += SCORING_BATCH) {
            final int rows = Math.min(SCORING_BATCH, SyntheticFeatureSet.ROWS - start);
            System.arraycopy(rawValues, start * columns, batch, 0, rows * columns);
            final float[] probabilities = model.probabilities(batch, rows);
            for (int row = 0; row < rows; row++) {
                blackhole.consume(model.topClasses(probabilities, row, 5));
            }
        }
    }
}

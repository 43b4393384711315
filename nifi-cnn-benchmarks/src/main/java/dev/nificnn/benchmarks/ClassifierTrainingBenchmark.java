package dev.nificnn.benchmarks;

import dev.nificnn.classifier.ClassifierArtifact;
import dev.nificnn.classifier.ClassifierKind;
import dev.nificnn.classifier.ClassifierModel;
import dev.nificnn.classifier.ClassifierTrainer;
import dev.nificnn.classifier.FeatureMatrix;
import dev.nificnn.classifier.FeatureSource;
import dev.nificnn.classifier.TrainedClassifier;
import dev.nificnn.classifier.TrainingSettings;
import dev.nificnn.processors.ScoreImageClassifier;
import dev.nificnn.testing.JsonScoringRunner;
import org.apache.nifi.json.JsonRecordSetWriter;
import org.apache.nifi.json.JsonTreeReader;
import org.apache.nifi.schema.access.SchemaAccessUtils;
import org.apache.nifi.util.TestRunner;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * Training the softmax regression on 50,000 x 512 synthetic features (compare with bench/sklearn-logistic-regression.py on the same
 * matrix) and scoring records with the trained model.
 * <p>
 * Run: {@code bench/run ClassifierTrainingBenchmark.train}; scoring on one core:
 * {@code OMP_NUM_THREADS=1 taskset -c 0 bench/run ClassifierTrainingBenchmark.score} (scoreRecords: the batched core path that
 * ScoreImageClassifier uses; scoreJsonRecordsThroughProcessor: the processor with JSON parsing and writing included).
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
public class ClassifierTrainingBenchmark {

    /** Records per scoring call, as ScoreImageClassifier batches them. */
    private static final int SCORING_BATCH = 1024;

    /** Training batch size; 256 is TrainImageClassifier's default. */
    @Param({"256"})
    public int batchSize;

    /** How the JSON reader of the processor benchmark gets its schema: inferred from the content, or given as Avro schema text. */
    @Param({"infer", "explicit"})
    public String readerSchema;

    private static final String FEATURE_RECORD_SCHEMA = """
            {"type": "record", "name": "features", "fields": [
              {"name": "features", "type": {"type": "array", "items": "float"}},
              {"name": "label", "type": ["null", "string"]},
              {"name": "source", "type": ["null", "string"]}]}
            """;

    private float[] rawValues;
    private int[] classIndexes;
    private FeatureMatrix matrix;
    private ClassifierModel model;
    private TrainingSettings settings;
    private Path artifact;
    private byte[] recordsJson;
    private TestRunner runner;

    /** Records per FlowFile in the processor benchmark. */
    private static final int PROCESSOR_RECORDS = 5_000;

    @Setup(Level.Trial)
    public void prepare() throws Exception {
        final FeatureMatrix original = SyntheticFeatureSet.matrix();
        rawValues = original.values().clone();
        classIndexes = original.classIndexes().clone();
        settings = TrainingSettings.defaults().withCandidates(Set.of(ClassifierKind.SOFTMAX_REGRESSION)).withBatchSize(batchSize);
        final TrainedClassifier trained = ClassifierTrainer.train(original, settings, FeatureSource.UNKNOWN);
        System.out.printf("%nSoftmax regression on %d x %d, batch %d: validation accuracy %.4f, epochs %d (best %d), %d ms%n", original.rows(),
                original.columns(), batchSize, trained.validation().accuracy(), trained.candidates().getFirst().epochs(),
                trained.candidates().getFirst().bestEpoch(), trained.candidates().getFirst().trainingMillis());
        model = new ClassifierModel(trained.network(), trained.normalizer(), trained.metadata());

        artifact = Files.createTempFile("classifier-benchmark-", ".zip");
        ClassifierArtifact.write(trained, artifact);
        final StringBuilder json = new StringBuilder("[");
        for (int row = 0; row < PROCESSOR_RECORDS; row++) {
            json.append(row == 0 ? "" : ",").append("{\"features\":[");
            for (int column = 0; column < SyntheticFeatureSet.COLUMNS; column++) {
                json.append(column == 0 ? "" : ",").append(rawValues[row * SyntheticFeatureSet.COLUMNS + column]);
            }
            json.append("],\"label\":\"class-").append(classIndexes[row]).append("\",\"source\":\"image-").append(row).append(".jpg\"}");
        }
        recordsJson = json.append(']').toString().getBytes(StandardCharsets.UTF_8);
        // A schema given to the reader spares it the inference pass over the content.
        runner = JsonScoringRunner.create(artifact, "explicit".equals(readerSchema)
                ? Map.of(SchemaAccessUtils.SCHEMA_ACCESS_STRATEGY, SchemaAccessUtils.SCHEMA_TEXT_PROPERTY.getValue(), SchemaAccessUtils.SCHEMA_TEXT, FEATURE_RECORD_SCHEMA)
                : Map.of());
    }

    @TearDown(Level.Trial)
    public void deleteArtifact() throws IOException {
        Files.deleteIfExists(artifact);
    }

    /** The trainer standardises in place: every training run starts from a fresh copy of the raw matrix. */
    @Setup(Level.Invocation)
    public void freshMatrix() {
        matrix = new FeatureMatrix(rawValues.clone(), SyntheticFeatureSet.ROWS, SyntheticFeatureSet.COLUMNS, classIndexes.clone(),
                IntStream.range(0, SyntheticFeatureSet.CLASSES).mapToObj(index -> "class-" + index).toList());
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

    /** ScoreImageClassifier end to end on one FlowFile of 5,000 JSON feature records (JsonTreeReader in, JsonRecordSetWriter out): per record. */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Warmup(iterations = 2, time = 5)
    @Measurement(iterations = 5, time = 5)
    @OperationsPerInvocation(PROCESSOR_RECORDS)
    public void scoreJsonRecordsThroughProcessor() {
        runner.enqueue(recordsJson);
        runner.run();
        if (runner.getFlowFilesForRelationship("success").size() != 1) {
            throw new IllegalStateException("ScoreImageClassifier did not succeed: " + runner.getFlowFilesForRelationship("failure"));
        }
        runner.clearTransferState();
        runner.clearProvenanceEvents();
    }
}

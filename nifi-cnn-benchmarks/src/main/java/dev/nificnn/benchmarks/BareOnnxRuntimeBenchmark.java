package dev.nificnn.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.nificnn.onnx.ModelLoadException;
import dev.nificnn.onnx.ModelLoader;
import dev.nificnn.onnx.ModelManifest;
import dev.nificnn.onnx.ModelManifestException;
import dev.nificnn.onnx.OnnxModel;
import dev.nificnn.onnx.OnnxSessionFactory;
import dev.nificnn.onnx.SessionSettings;
import dev.nificnn.onnx.generate.AlexNetTopologyModel;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Baseline for the processors: a bare ONNX Runtime CPU session on the AlexNet-topology model (or, with {@code -p model=squeezenet},
 * the real SqueezeNet 1.1 of ../shared/data, whose batch is fixed at 1), fed with a ready-made direct tensor, at batch 1, 8 and 32,
 * with one intra-op thread per available processor unless {@code -p intraOpThreads=N}.
 * <p>
 * The primary score counts {@code session.run} calls (batches) per second; the secondary {@code images} score counts images per
 * second, the figure the processor benchmarks compare against. ({@code @OperationsPerInvocation} takes a constant and cannot
 * follow a {@code @Param}, so images are counted with an auxiliary counter.) The model is generated into
 * {@code target/benchmark-models/} on first use (about 244 MB; {@code -Dnificnn.benchmark.models=DIR} moves it).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
public class BareOnnxRuntimeBenchmark {

    @Param({"1", "8", "32"})
    public int batch;

    /** ONNX Runtime intra-op threads; 0 means one per available processor. */
    @Param({"0"})
    public int intraOpThreads;

    /** Whether idle intra-op threads spin (ONNX Runtime's default) instead of sleeping; spinning costs a shared machine dearly. */
    @Param({"true"})
    public boolean allowSpinning;

    /**
     * Which session: {@code plain} creates one from the model file with ONNX Runtime's defaults; {@code service} loads it the
     * way OnnxModelService does (committed manifest, its fc6/fc7/pool5 taps added as graph outputs, idle threads not spinning),
     * which separates the cost of the service's session from the cost of the processors around it.
     */
    @Param({"plain"})
    public String session;

    /**
     * {@code alexnet-topology} (generated, seeded random weights) or {@code squeezenet}: {@code squeezenet1.1-fp32.onnx} from
     * {@code -Dnificnn.shared.data} (default ../shared/data), the main job's default feature model; batch 1 only, plain session only.
     */
    @Param({"alexnet-topology"})
    public String model;

    private String inputName = AlexNetTopologyModel.INPUT_NAME;
    /** The outputs fetched; null fetches every graph output. */
    private Set<String> requestedOutputs;

    private OrtSession ortSession;
    private OnnxModel serviceModel;
    private OnnxTensor input;

    /** Images processed, reported by JMH as images per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class ImageCounter {
        public long images;

        @Setup(Level.Iteration)
        public void reset() {
            images = 0;
        }
    }

    @Setup(Level.Trial)
    public void createSession() throws OrtException, IOException, ModelLoadException, ModelManifestException {
        final Path modelDirectory = Path.of(System.getProperty("nificnn.benchmark.models", "target/benchmark-models"));
        final Path modelFile;
        if (model.equals("squeezenet")) {
            if (batch != 1) {
                throw new IllegalArgumentException("The shared SqueezeNet takes batch 1 only");
            }
            modelFile = Path.of(System.getProperty("nificnn.shared.data", "../shared/data"), "models/squeezenet1.1-fp32.onnx");
            inputName = "data_0";
        } else {
            modelFile = AlexNetTopologyModel.writeIfAbsent(modelDirectory);
        }
        final OrtEnvironment environment = OrtEnvironment.getEnvironment();
        final int threads = intraOpThreads > 0 ? intraOpThreads : Runtime.getRuntime().availableProcessors();
        if (session.equals("service") && model.equals("squeezenet")) {
            // As ExtractImageFeatures runs it: the committed manifest, fire9 added as a graph output, only fire9 fetched.
            serviceModel = new ModelLoader(new OnnxSessionFactory()).load(
                    ModelManifest.read(Path.of(System.getProperty("nificnn.models", "models"), "squeezenet1.1-shared.json")),
                    modelFile.getParent(), SessionSettings.cpu(threads), Map.of());
            ortSession = serviceModel.session();
            requestedOutputs = Set.of(serviceModel.resolveLayer("fire9"));
        } else if (session.equals("service")) {
            serviceModel = new ModelLoader(new OnnxSessionFactory())
                    .load(OnnxProcessorBenchmark.manifestWithoutLabels(modelDirectory), modelDirectory, SessionSettings.cpu(threads), Map.of());
            ortSession = serviceModel.session();
        } else {
            final OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.setIntraOpNumThreads(threads);
            if (!allowSpinning) {
                options.addConfigEntry("session.intra_op.allow_spinning", "0");
            }
            ortSession = environment.createSession(modelFile.toString(), options);
        }

        final int imageFloats = 3 * AlexNetTopologyModel.IMAGE_SIZE * AlexNetTopologyModel.IMAGE_SIZE;
        final FloatBuffer tensor = ByteBuffer.allocateDirect(batch * imageFloats * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        final SplittableRandom random = new SplittableRandom(1);
        while (tensor.hasRemaining()) {
            // Statistics of torchvision-normalised pixels.
            tensor.put(random.nextFloat() * 4f - 2f);
        }
        tensor.flip();
        input = OnnxTensor.createTensor(environment, tensor,
                new long[] {batch, 3, AlexNetTopologyModel.IMAGE_SIZE, AlexNetTopologyModel.IMAGE_SIZE});
    }

    @TearDown(Level.Trial)
    public void closeSession() throws OrtException {
        input.close();
        if (serviceModel != null) {
            serviceModel.close();
        } else {
            ortSession.close();
        }
    }

    @Benchmark
    public float run(final ImageCounter counter) throws OrtException {
        try (OrtSession.Result result = requestedOutputs == null ? ortSession.run(Map.of(inputName, input))
                : ortSession.run(Map.of(inputName, input), requestedOutputs)) {
            counter.images += batch;
            final OnnxTensor probabilities = (OnnxTensor) result.get(0);
            return probabilities.getFloatBuffer().get(0);
        }
    }
}

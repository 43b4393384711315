package dev.nificnn.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nificnn.onnx.ExecutionProvider;
import dev.nificnn.onnx.ModelManifest;
import dev.nificnn.onnx.ModelManifestException;
import dev.nificnn.onnx.FeaturePooling;
import dev.nificnn.onnx.generate.AlexNetTopologyModel;
import dev.nificnn.processors.ClassifyImage;
import dev.nificnn.processors.ExtractImageFeatures;
import dev.nificnn.services.OnnxModelService;
import org.apache.nifi.avro.AvroRecordSetWriter;
import org.apache.nifi.reporting.InitializationException;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
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

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * ClassifyImage and ExtractImageFeatures (layer fc7, Avro records) through the NiFi mock framework on the AlexNet-topology
 * model, fed with 32x32 PNG FlowFiles: decode, bilinear resize to 224x224, normalise, batch, infer, write attributes or records.
 * Compare its {@code images} score with {@link BareOnnxRuntimeBenchmark}'s in the same run, in the same arrangement of threads
 * (one task with an intra-op thread per core against one caller with as many; two tasks with one each against two callers):
 * {@code bench/processors-vs-bare} does both. At the end of each fork it prints the peak resident memory (VmHWM) and the peak heap.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
public class OnnxProcessorBenchmark {

    private static final int DISTINCT_IMAGES = 64;

    /** Batches per benchmark operation and task, so that concurrent tasks run back to back rather than in lockstep. */
    private static final int BATCHES_PER_TASK = 4;

    @Param({"1", "8", "32"})
    public int batch;

    @Param({"ClassifyImage", "ExtractImageFeatures"})
    public String processor;

    /**
     * Concurrent tasks of the processor. The model service gets {@code cores / tasks} intra-op threads, so that the cores are
     * shared out as an operator would: with 2 tasks, one task decodes and writes records while the other is inside ONNX Runtime.
     * Compare with {@link BareOnnxRuntimeBenchmark} run with as many JMH threads ({@code -t}) and the same intra-op threads.
     */
    @Param({"1", "2"})
    public int tasks;

    /**
     * {@code alexnet-topology} (generated; ExtractImageFeatures reads fc7) or {@code squeezenet} (the shared SqueezeNet 1.1, batch
     * fixed at 1 so run image by image; ExtractImageFeatures reads fire9 with global average pooling, as the main job does).
     */
    @Param({"alexnet-topology"})
    public String model;

    private TestRunner runner;
    private byte[][] images;
    private Map<String, String>[] attributes;
    private int next;

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
    @SuppressWarnings("unchecked")
    public void setUp() throws IOException, InitializationException {
        final Path modelDirectory = Path.of(System.getProperty("nificnn.benchmark.models", "target/benchmark-models"));
        final boolean squeezeNet = model.equals("squeezenet");
        final Path manifest;
        final Path squeezeNetDirectory = Path.of(System.getProperty("nificnn.shared.data", "../shared/data"), "models");
        if (squeezeNet) {
            manifest = Path.of(System.getProperty("nificnn.models", "models"), "squeezenet1.1-shared.json");
        } else {
            AlexNetTopologyModel.writeIfAbsent(modelDirectory);
            manifest = writeManifestWithoutLabels(modelDirectory);
        }

        runner = TestRunners.newTestRunner(processor.equals("ClassifyImage") ? ClassifyImage.class : ExtractImageFeatures.class);
        final OnnxModelService service = new OnnxModelService();
        runner.addControllerService("model", service);
        runner.setProperty(service, OnnxModelService.MODEL_MANIFEST, manifest.toString());
        if (squeezeNet) {
            runner.setProperty(service, OnnxModelService.MODEL_DIRECTORY, squeezeNetDirectory.toString());
        }
        runner.setProperty(service, OnnxModelService.EXECUTION_PROVIDER, ExecutionProvider.CPU.getValue());
        runner.setProperty(service, OnnxModelService.INTRA_OP_THREADS, Integer.toString(intraOpThreads(tasks)));
        runner.enableControllerService(service);
        if (processor.equals("ClassifyImage")) {
            runner.setProperty(ClassifyImage.MODEL_SERVICE, "model");
            runner.setProperty(ClassifyImage.BATCH_SIZE, Integer.toString(batch));
        } else {
            final AvroRecordSetWriter writer = new AvroRecordSetWriter();
            runner.addControllerService("writer", writer);
            runner.enableControllerService(writer);
            runner.setProperty(ExtractImageFeatures.MODEL_SERVICE, "model");
            runner.setProperty(ExtractImageFeatures.RECORD_WRITER, "writer");
            runner.setProperty(ExtractImageFeatures.LAYER, squeezeNet ? "fire9" : "fc7");
            if (squeezeNet) {
                runner.setProperty(ExtractImageFeatures.POOLING, FeaturePooling.GLOBAL_AVERAGE.getValue());
            }
            runner.setProperty(ExtractImageFeatures.BATCH_SIZE, Integer.toString(batch));
        }

        images = new byte[DISTINCT_IMAGES][];
        attributes = new Map[DISTINCT_IMAGES];
        final SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < DISTINCT_IMAGES; i++) {
            images[i] = png(random);
            attributes[i] = Map.of("filename", i + ".png", "absolute.path", "/data/train/class" + (i % 10) + "/");
        }
        runner.setThreadCount(tasks);
        runner.setRunSchedule(0);
        // Schedules the processor once (@OnScheduled) and warms the session.
        enqueueBatches(1);
        runner.run(1, false, true);
        runner.clearTransferState();
    }

    /** The intra-op threads that share the cores out between {@code tasks} concurrent inference calls. */
    static int intraOpThreads(final int tasks) {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / tasks);
    }

    /** The committed manifest of the generated model, minus its label file, as the service reads it. */
    static ModelManifest manifestWithoutLabels(final Path modelDirectory) throws IOException, ModelManifestException {
        return ModelManifest.read(writeManifestWithoutLabels(modelDirectory));
    }

    /** The committed manifest of the generated model, minus its label file (the labels are ImageNet's and are not in the repository). */
    private static Path writeManifestWithoutLabels(final Path modelDirectory) throws IOException {
        final Path committed = Path.of(System.getProperty("nificnn.models", "models"), "alexnet-topology-random.json");
        final ObjectMapper mapper = new ObjectMapper();
        final ObjectNode manifest = (ObjectNode) mapper.readTree(committed.toFile());
        manifest.remove("labels");
        final Path copy = modelDirectory.resolve("alexnet-topology-random-benchmark.json");
        Files.write(copy, mapper.writeValueAsBytes(manifest));
        return copy;
    }

    /** A 32x32 photo-like PNG: smooth colour gradients plus noise. */
    private static byte[] png(final SplittableRandom random) {
        final BufferedImage image = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        final int red = random.nextInt(256);
        final int green = random.nextInt(256);
        final int blue = random.nextInt(256);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                final int noise = random.nextInt(32) - 16;
                image.setRGB(x, y, (clamp(red + 4 * x + noise) << 16) | (clamp(green + 4 * y + noise) << 8) | clamp(blue - 2 * (x + y) + noise));
            }
        }
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", bytes);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static int clamp(final int value) {
        return Math.max(0, Math.min(255, value));
    }

    private void enqueueBatches(final int batches) {
        for (int i = 0; i < batch * batches; i++) {
            runner.enqueue(images[next], attributes[next]);
            next = (next + 1) % DISTINCT_IMAGES;
        }
    }

    @Benchmark
    public int run(final ImageCounter counter) {
        final int batches = tasks * BATCHES_PER_TASK;
        enqueueBatches(batches);
        runner.run(batches, false, false);
        final int out = runner.getFlowFilesForRelationship(processor.equals("ClassifyImage") ? ClassifyImage.REL_SUCCESS : ExtractImageFeatures.REL_ORIGINAL).size();
        if (out != batch * batches) {
            throw new IllegalStateException("Expected " + batch * batches + " FlowFiles out, got " + out);
        }
        runner.clearTransferState();
        runner.clearProvenanceEvents();
        counter.images += out;
        return out;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        runner.shutdown();
        long heapPeak = 0;
        for (final MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                heapPeak += pool.getPeakUsage().getUsed();
            }
        }
        String residentPeak = "unknown";
        final Path status = Path.of("/proc/self/status");
        if (Files.isReadable(status)) {
            for (final String line : Files.readAllLines(status)) {
                if (line.startsWith("VmHWM:")) {
                    residentPeak = line.substring("VmHWM:".length()).trim();
                }
            }
        }
        System.out.println("\n[memory] " + processor + " batch " + batch + " tasks " + tasks + ": peak resident " + residentPeak + ", peak heap "
                + heapPeak / (1024 * 1024) + " MB (sum of pool peaks)");
    }
}

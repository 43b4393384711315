package dev.nificnn.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.nificnn.onnx.generate.AlexNetTopologyModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Issue point 5: feature extraction inside the real NiFi (ListFile -> FetchFile -> ExtractImageFeatures, AlexNet-topology
 * fc7, batch 32, Avro records to PutFile) over CIFAR-10 JPEG images, compared with a bare ONNX Runtime session measured by
 * BareOnnxRuntimeBenchmark (JMH, batch 32) in the same run, both with one caller and with as many callers as the processor
 * has concurrent tasks. ExtractImageFeatures runs {@code -Dnificnn.bench.tasks} concurrent tasks (default 2) and the model
 * service gives each call cores / tasks intra-op threads: one task then decodes and writes records while the other is inside
 * ONNX Runtime. Run it with {@code bin/nifi-cnn bench}. Arguments: module folder, repository folder, shared data folder,
 * model folder, number of images; or {@code --compare <output of the first form> <JMH JSON, one caller> <JMH JSON, matched
 * callers>} to print the ratios.
 */
public final class ThroughputBenchmark {

    /** The processors stopped between the warm-up pass and the timed pass (the listings are the part that changes). */
    private static final List<String> WORKERS = List.of("FetchFile", "ExtractImageFeatures");

    private ThroughputBenchmark() {
    }

    public static void main(final String[] arguments) throws Exception {
        if ("--compare".equals(arguments[0])) {
            compare(Path.of(arguments[1]), Path.of(arguments[2]), Path.of(arguments[3]));
            return;
        }
        final Path module = Path.of(arguments[0]).toAbsolutePath().normalize();
        final Path repository = Path.of(arguments[1]).toAbsolutePath().normalize();
        final Path sharedData = Path.of(arguments[2]).toAbsolutePath().normalize();
        final Path modelDirectory = Path.of(arguments[3]).toAbsolutePath().normalize();
        final int images = Integer.parseInt(arguments[4]);
        // The AlexNet-topology model (about 244 MB, seeded weights) is generated on first use, as the JMH benchmarks do;
        // its manifest names ImageNet's label file, which the generated model folder gets a copy of.
        Files.createDirectories(modelDirectory);
        System.out.println("AlexNet-topology model: " + AlexNetTopologyModel.writeIfAbsent(modelDirectory));
        final Path labels = modelDirectory.resolve("imagenet-classes.txt");
        if (!Files.exists(labels)) {
            Files.copy(sharedData.resolve("models/imagenet-classes.txt"), labels);
        }
        final Path work = module.resolve("target/throughput-benchmark");
        NiFiAssembly.deleteRecursively(work);
        final Path input = work.resolve("images");
        final Path features = work.resolve("features");
        final int tasks = Integer.getInteger("nificnn.bench.tasks", 2);
        final int intraOpThreads = Math.max(1, Runtime.getRuntime().availableProcessors() / tasks);
        final int perClass = (images + 9) / 10;
        final Path archive = sharedData.resolve("cifar10/cifar10-train-jpg.tar.gz");
        final int extracted = ImageFolderExtractor.extract(archive, input, 0, perClass);
        // Other images for the warm-up pass, which JMH's warm-up iterations mirror: a freshly started NiFi spends a tenth of
        // the machine on its JIT compiler for the first minute or two, which says nothing about a NiFi that runs for days.
        final Path warmUpInput = work.resolve("warm-up");
        final int warmUpImages = ImageFolderExtractor.extract(archive, warmUpInput, perClass, Integer.getInteger("nificnn.bench.warmup.per.class", 300));

        final int port = Integer.getInteger("nificnn.nifi.port", 18082);
        final LocalNiFi nifi = new LocalNiFi(module, port, System.getProperty("nificnn.nifi.heap", "4g"));
        try {
            final NiFiRestClient client = nifi.start(port, true);
            final String group = client.createProcessGroup(client.rootGroupId(), "feature-extraction-throughput");
            final String model = client.createControllerService(group, FlowTemplates.ONNX_MODEL_SERVICE, "ONNX Model", Map.of(
                    "Model Manifest", repository.resolve("models/alexnet-topology-random.json").toString(),
                    "Model Directory", modelDirectory.toString(),
                    "Execution Provider", "AUTO",
                    "Intra-Op Threads", Integer.toString(intraOpThreads)));
            // Avro, as the processor benchmark uses: writing 4096 floats per record as JSON text is costly CPU work of its own.
            final String writer = client.createControllerService(group, FlowTemplates.AVRO_WRITER, "Feature Record Writer", Map.of());
            final String listWarmUp = client.createProcessor(group, FlowTemplates.STANDARD + "ListFile", "List Warm-up Images", -400, 0,
                    Map.of("Input Directory", warmUpInput.toString(), "Recurse Subdirectories", "true"), Map.of("schedulingPeriod", "1 min"));
            final String list = client.createProcessor(group, FlowTemplates.STANDARD + "ListFile", "ListFile", 0, 0,
                    Map.of("Input Directory", input.toString(), "Recurse Subdirectories", "true"), Map.of("schedulingPeriod", "1 min"));
            final String fetch = client.createProcessor(group, FlowTemplates.STANDARD + "FetchFile", "FetchFile", 0, 150,
                    Map.of("Completion Strategy", "None"), Map.of("autoTerminatedRelationships", List.of("not.found", "permission.denied", "failure")));
            final String extract = client.createProcessor(group, FlowTemplates.EXTRACT_IMAGE_FEATURES, "ExtractImageFeatures", 0, 300,
                    Map.of("ONNX Model Service", model, "Record Writer", writer, "Layer", "fc7", "Batch Size", "32"),
                    Map.of("autoTerminatedRelationships", List.of("original"), "concurrentlySchedulableTaskCount", tasks));
            final String putFeatures = client.createProcessor(group, FlowTemplates.STANDARD + "PutFile", "Put Features", 0, 450,
                    Map.of("Directory", features.toString(), "Conflict Resolution Strategy", "replace"),
                    Map.of("autoTerminatedRelationships", List.of("success", "failure")));
            client.connect(group, listWarmUp, fetch, List.of("success"), "DO_NOT_LOAD_BALANCE");
            client.connect(group, list, fetch, List.of("success"), "DO_NOT_LOAD_BALANCE");
            client.connect(group, fetch, extract, List.of("success"), "DO_NOT_LOAD_BALANCE");
            client.connect(group, extract, putFeatures, List.of("success", "failure"), "DO_NOT_LOAD_BALANCE");
            client.enableControllerServices(group);
            setStates(client, group, List.of("List Warm-up Images", "FetchFile", "ExtractImageFeatures", "Put Features"), "RUNNING");
            System.out.printf("Warm-up pass over %d other images (not timed)...%n", warmUpImages);
            awaitImages(client, warmUpImages, System.nanoTime(), warmUpImages);
            setStates(client, group, WORKERS, "STOPPED");
            // ListFile first, so that the timed part starts with every image queued in front of FetchFile.
            client.setProcessorState(group, "ListFile", "RUNNING");
            final long listDeadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            // (Put Features keeps running, so that the queue holds nothing but listed images.)
            while (client.groupStatus(group).path("flowFilesQueued").asInt() < extracted && System.nanoTime() < listDeadline) {
                Thread.sleep(500);
            }
            final long start = System.nanoTime();
            setStates(client, group, WORKERS, "RUNNING");
            final long done = awaitImages(client, warmUpImages + extracted, start, extracted) - warmUpImages;
            final double seconds = (System.nanoTime() - start) / 1e9;
            final long failed = client.counter("ExtractImageFeatures", "Images Failed");
            client.stopGroup(group);
            if (done < extracted || failed > 0) {
                throw new IllegalStateException(done + " of " + extracted + " images extracted, " + failed + " failed");
            }
            final double nifiImagesPerSecond = extracted / seconds;
            System.out.println();
            System.out.printf("Feature extraction in NiFi (AlexNet-topology fc7, batch 32, %d concurrent tasks x %d intra-op threads, JPEG decode"
                    + " + resize included): %d images in %.1f s%n", tasks, intraOpThreads, extracted, seconds);
            System.out.printf("NIFI_IMAGES_PER_SECOND=%.2f%n", nifiImagesPerSecond);
        } finally {
            nifi.process().stop();
        }
    }

    private static void setStates(final NiFiRestClient client, final String group, final List<String> processors, final String state)
            throws IOException {
        for (final String processor : processors) {
            client.setProcessorState(group, processor, state);
        }
    }

    /**
     * Waits until ExtractImageFeatures' own counter reaches {@code total} and returns it; reports progress (counted from
     * {@code total - images}) every 10 s. One cheap REST call a second keeps the measuring out of the way of the flow it measures.
     */
    private static long awaitImages(final NiFiRestClient client, final long total, final long start, final long images) throws Exception {
        final long deadline = start + Duration.ofMinutes(30).toNanos();
        long done = 0;
        long lastReport = start;
        while (done < total && System.nanoTime() < deadline) {
            Thread.sleep(1000);
            done = client.counter("ExtractImageFeatures", "Images");
            if (System.nanoTime() - lastReport > Duration.ofSeconds(10).toNanos()) {
                lastReport = System.nanoTime();
                System.out.printf("  %4d s  %d of %d images%n", Duration.ofNanos(lastReport - start).toSeconds(), done - (total - images), images);
            }
        }
        return done;
    }

    private static void compare(final Path nifiOutput, final Path defaultJmhResult, final Path matchedJmhResult) throws Exception {
        double nifiImagesPerSecond = Double.NaN;
        String arrangement = "";
        for (final String line : Files.readAllLines(nifiOutput)) {
            if (line.startsWith("NIFI_IMAGES_PER_SECOND=")) {
                nifiImagesPerSecond = Double.parseDouble(line.substring(line.indexOf('=') + 1));
            }
            if (line.startsWith("Feature extraction in NiFi")) {
                arrangement = line.substring(line.indexOf("batch 32, ") + "batch 32, ".length(), line.indexOf(", JPEG"));
            }
        }
        final JsonNode defaultBare = batch32(defaultJmhResult);
        final JsonNode matchedBare = batch32(matchedJmhResult);
        final double defaultImagesPerSecond = defaultBare.path("secondaryMetrics").path("images").path("score").asDouble();
        final double matchedImagesPerSecond = matchedBare.path("secondaryMetrics").path("images").path("score").asDouble();
        System.out.printf("Feature extraction inside NiFi:   %8.1f images/s (decode + resize + fc7, batch 32, %s)%n", nifiImagesPerSecond, arrangement);
        System.out.printf("Bare ONNX Runtime, one caller:    %8.1f images/s (session.run only, batch 32, ready-made tensors, %s intra-op threads)%n",
                defaultImagesPerSecond, describeThreads(defaultBare.path("params").path("intraOpThreads").asInt()));
        System.out.printf("Bare ONNX Runtime, %d callers:     %8.1f images/s (the same, %d threads calling at once, %s intra-op threads each)%n",
                matchedBare.path("threads").asInt(), matchedImagesPerSecond, matchedBare.path("threads").asInt(),
                describeThreads(matchedBare.path("params").path("intraOpThreads").asInt()));
        System.out.printf("Ratio NiFi / bare: %.2f against one caller, %.2f against the matched callers (target >= 0.80); %d cores%n",
                nifiImagesPerSecond / defaultImagesPerSecond, nifiImagesPerSecond / matchedImagesPerSecond, Runtime.getRuntime().availableProcessors());
    }

    private static String describeThreads(final int intraOpThreads) {
        return intraOpThreads > 0 ? Integer.toString(intraOpThreads) : Runtime.getRuntime().availableProcessors() + " (one per core)";
    }

    private static JsonNode batch32(final Path jmhResult) throws Exception {
        for (final JsonNode result : new ObjectMapper().readTree(Files.readAllBytes(jmhResult))) {
            if ("32".equals(result.path("params").path("batch").asText())) {
                return result;
            }
        }
        throw new IllegalStateException("No batch-32 result in " + jmhResult);
    }
}

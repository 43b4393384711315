package dev.nificnn.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Issue point 5: feature extraction inside the real NiFi (ListFile -> FetchFile -> ExtractImageFeatures, AlexNet-topology
 * fc7, batch 32) over CIFAR-10 JPEG images, compared with the bare ONNX Runtime session measured by
 * BareOnnxRuntimeBenchmark (JMH, batch 32) in the same run. Run it with {@code bin/nifi-cnn bench}.
 * Arguments: module folder, repository folder, shared data folder, model folder, number of images; or
 * {@code --compare <output of the first form> <JMH JSON result>} to print the ratio.
 */
public final class ThroughputBenchmark {

    private ThroughputBenchmark() {
    }

    public static void main(final String[] arguments) throws Exception {
        if ("--compare".equals(arguments[0])) {
            compare(Path.of(arguments[1]), Path.of(arguments[2]));
            return;
        }
        final Path module = Path.of(arguments[0]).toAbsolutePath().normalize();
        final Path repository = Path.of(arguments[1]).toAbsolutePath().normalize();
        final Path sharedData = Path.of(arguments[2]).toAbsolutePath().normalize();
        final Path modelDirectory = Path.of(arguments[3]).toAbsolutePath().normalize();
        final int images = Integer.parseInt(arguments[4]);
        // The manifest names ImageNet's label file; the generated model folder only holds the model.
        final Path labels = modelDirectory.resolve("imagenet-classes.txt");
        if (!Files.exists(labels)) {
            Files.copy(sharedData.resolve("models/imagenet-classes.txt"), labels);
        }
        final Path work = module.resolve("target/throughput-benchmark");
        NiFiAssembly.deleteRecursively(work);
        final Path input = work.resolve("images");
        final Path originals = work.resolve("originals");
        final int perClass = (images + 9) / 10;
        final int extracted = ImageFolderExtractor.extract(sharedData.resolve("cifar10/cifar10-train-jpg.tar.gz"), input, 0, perClass);

        final int port = Integer.getInteger("nificnn.nifi.port", 18082);
        final LocalNiFi nifi = new LocalNiFi(module, port, System.getProperty("nificnn.nifi.heap", "4g"));
        try {
            final NiFiRestClient client = nifi.start(port, true);
            final String group = client.createProcessGroup(client.rootGroupId(), "feature-extraction-throughput");
            final String model = client.createControllerService(group, FlowTemplates.ONNX_MODEL_SERVICE, "ONNX Model", Map.of(
                    "Model Manifest", repository.resolve("models/alexnet-topology-random.json").toString(),
                    "Model Directory", modelDirectory.toString(),
                    "Execution Provider", "AUTO"));
            // Avro, as the processor benchmark uses: writing 4096 floats per record as JSON text is costly CPU work of its own.
            final String writer = client.createControllerService(group, FlowTemplates.AVRO_WRITER, "Feature Record Writer", Map.of());
            final String list = client.createProcessor(group, FlowTemplates.STANDARD + "ListFile", "ListFile", 0, 0,
                    Map.of("Input Directory", input.toString(), "Recurse Subdirectories", "true"), Map.of("schedulingPeriod", "1 min"));
            final String fetch = client.createProcessor(group, FlowTemplates.STANDARD + "FetchFile", "FetchFile", 0, 150,
                    Map.of("Completion Strategy", "None"), Map.of("autoTerminatedRelationships", List.of("not.found", "permission.denied", "failure")));
            final String extract = client.createProcessor(group, FlowTemplates.EXTRACT_IMAGE_FEATURES, "ExtractImageFeatures", 0, 300,
                    Map.of("ONNX Model Service", model, "Record Writer", writer, "Layer", "fc7", "Batch Size", "32"),
                    Map.of("autoTerminatedRelationships", List.of("success")));
            final String putOriginals = client.createProcessor(group, FlowTemplates.STANDARD + "PutFile", "Put Originals", 0, 450,
                    Map.of("Directory", originals + "/${path}", "Conflict Resolution Strategy", "replace"),
                    Map.of("autoTerminatedRelationships", List.of("success", "failure")));
            client.connect(group, list, fetch, List.of("success"), "DO_NOT_LOAD_BALANCE");
            client.connect(group, fetch, extract, List.of("success"), "DO_NOT_LOAD_BALANCE");
            client.connect(group, extract, putOriginals, List.of("original", "failure"), "DO_NOT_LOAD_BALANCE");
            client.enableControllerServices(group);
            // ListFile first, so that the timed part starts with every image queued in front of FetchFile.
            client.setProcessorState(group, "ListFile", "RUNNING");
            final long listDeadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (client.groupStatus(group).path("flowFilesQueued").asInt() < extracted && System.nanoTime() < listDeadline) {
                Thread.sleep(500);
            }
            final long start = System.nanoTime();
            client.startGroup(group);
            new FlowProgress(client, group).await(() -> FlowProgress.files(originals), extracted, Duration.ofMinutes(30), System.out::println);
            final double seconds = (System.nanoTime() - start) / 1e9;
            client.stopGroup(group);
            final double nifiImagesPerSecond = extracted / seconds;
            System.out.println();
            System.out.printf("Feature extraction in NiFi (AlexNet-topology fc7, batch 32, JPEG decode + resize included): %d images in %.1f s%n",
                    extracted, seconds);
            System.out.printf("NIFI_IMAGES_PER_SECOND=%.2f%n", nifiImagesPerSecond);
        } finally {
            nifi.process().stop();
        }
    }

    private static void compare(final Path nifiOutput, final Path jmhResult) throws Exception {
        double nifiImagesPerSecond = Double.NaN;
        for (final String line : Files.readAllLines(nifiOutput)) {
            if (line.startsWith("NIFI_IMAGES_PER_SECOND=")) {
                nifiImagesPerSecond = Double.parseDouble(line.substring(line.indexOf('=') + 1));
            }
        }
        final double bareImagesPerSecond = bareImagesPerSecond(jmhResult);
        System.out.printf("Feature extraction inside NiFi:  %8.1f images/s (decode + resize + fc7, batch 32, 10,000 CIFAR-10 JPEGs by default)%n", nifiImagesPerSecond);
        System.out.printf("Bare ONNX Runtime session (JMH): %8.1f images/s (session.run only, batch 32, ready-made tensors)%n", bareImagesPerSecond);
        System.out.printf("Ratio NiFi / bare: %.2f (target >= 0.80); %d cores%n", nifiImagesPerSecond / bareImagesPerSecond, Runtime.getRuntime().availableProcessors());
    }

    private static double bareImagesPerSecond(final Path jmhResult) throws Exception {
        for (final JsonNode result : new ObjectMapper().readTree(Files.readAllBytes(jmhResult))) {
            if ("32".equals(result.path("params").path("batch").asText())) {
                return result.path("secondaryMetrics").path("images").path("score").asDouble();
            }
        }
        throw new IllegalStateException("No batch-32 result in " + jmhResult);
    }
}

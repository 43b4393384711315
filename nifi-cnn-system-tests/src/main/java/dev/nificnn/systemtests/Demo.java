package dev.nificnn.systemtests;

import dev.nificnn.classifier.ClassificationReport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The main job (bin/nifi-cnn demo): starts the local NiFi with the nifi-cnn bundle, imports the train and score flows,
 * runs them over a class-per-folder image set, prints the held-out accuracy, the confusion-matrix picture and images/s,
 * and leaves NiFi running at http://127.0.0.1:18080/nifi/ until {@code bin/nifi-cnn stop}.
 */
public final class Demo {

    private Demo() {
    }

    public static void main(final String[] arguments) throws Exception {
        final Map<String, String> options = parse(arguments);
        final Path module = Path.of(options.getOrDefault("module", ".")).toAbsolutePath().normalize();
        final Path repository = Path.of(options.getOrDefault("repository", "..")).toAbsolutePath().normalize();
        final Path sharedData = Path.of(options.getOrDefault("shared-data", repository.resolve("../shared/data").toString())).toAbsolutePath().normalize();
        final int port = Integer.getInteger("nificnn.nifi.port", LocalNiFi.DEFAULT_PORT);
        final LocalNiFi nifi = new LocalNiFi(module, port, System.getProperty("nificnn.nifi.heap", "4g")).detached();
        final String url = "http://127.0.0.1:" + port + "/nifi/";

        if (options.containsKey("start-only")) {
            nifi.start(port, false);
            System.out.println("NiFi is running at " + url + " (process " + nifi.process().processId() + "); stop it with: bin/nifi-cnn stop");
            return;
        }

        final TransferLearningRun.FeatureModel model = chooseModel(options, repository, sharedData);
        final int perClass = Integer.parseInt(options.getOrDefault("per-class", "100"));
        final int heldOutPerClass = Integer.parseInt(options.getOrDefault("holdout", "20"));
        final double maximumAccuracyDrop = Double.parseDouble(options.getOrDefault("max-accuracy-drop", "0.10"));
        final Path work = module.resolve("target/demo");
        NiFiAssembly.deleteRecursively(work);
        final Path training = work.resolve("training-images");
        final Path heldOut = work.resolve("held-out-images");
        prepareImages(options, sharedData, training, heldOut, perClass, heldOutPerClass);
        final long trainingFiles = FlowProgress.files(training);
        final long heldOutFiles = FlowProgress.files(heldOut);

        System.out.println("Model: " + model.manifest() + " (layer " + model.layer() + ", pooling " + model.pooling() + ")");
        System.out.println("Starting NiFi 2.3.0 with nifi-cnn at " + url + " (the first start unpacks the NAR: about a minute)...");
        final long started = System.nanoTime();
        final NiFiRestClient client = nifi.start(port, true);
        System.out.println("NiFi is up (process " + nifi.process().processId() + ").");

        final TransferLearningRun run = new TransferLearningRun(client, repository.resolve("templates"), System.out::println,
                nifi.assembly().home().resolve("logs/nifi-app.log"));
        final TransferLearningRun.Result result = run.run(model, training, trainingFiles, heldOut, heldOutFiles, work,
                Duration.ofMinutes(Long.parseLong(options.getOrDefault("timeout-minutes", "120"))));
        final TransferLearningRun.Training trained = result.training();

        System.out.println();
        System.out.println("Training images:          " + trainingFiles + " listed; " + trained.records() + " trained on, "
                + trained.failedImages() + " failed images");
        System.out.println("Training runs failed:     " + trained.trainingRunsFailed());
        final List<String> problems = new ArrayList<>();
        if (trained.failed()) {
            problems.add("the training run failed: " + trained.failureReason() + " (" + trained.failureReport() + ")");
        } else {
            System.out.println("Classifier artifact:      " + trained.classifierArtifact() + " (" + trained.labels().size() + " classes, trained on "
                    + trained.classRecordCounts() + ")");
            System.out.println("Validation accuracy:      " + String.format(Locale.ROOT, "%.3f", trained.validationAccuracy()) + " (" + trained.evaluationReport()
                    + ", " + trained.confusionMatrix() + ")");
            System.out.println("Held-out accuracy:        " + String.format(Locale.ROOT, "%.3f", result.heldOutAccuracy()) + " (" + result.correctPredictions()
                    + " of " + result.scoredImages() + " images; " + result.scoringFailures() + " failed images)");
            printHeldOut(result);
            System.out.println("Held-out report:          " + result.heldOutReport());
            System.out.println("Held-out confusion matrix: " + result.heldOutConfusionMatrix());
            if (!trained.complete()) {
                problems.add("the classifier was trained on an incomplete training set");
            }
            final TreeSet<String> unknown = new TreeSet<>(result.heldOutClasses());
            unknown.removeAll(trained.labels());
            if (!unknown.isEmpty()) {
                problems.add("the classifier does not know the held-out classes " + unknown + " (it knows " + trained.labels() + ")");
            }
            if (result.scoredImages() > 0 && result.heldOutAccuracy() < trained.validationAccuracy() - maximumAccuracyDrop) {
                problems.add(String.format(Locale.ROOT, "held-out accuracy %.3f is more than %.2f below the validation accuracy %.3f",
                        result.heldOutAccuracy(), maximumAccuracyDrop, trained.validationAccuracy()));
            }
        }
        System.out.println(String.format(Locale.ROOT, "Stage times:              train flow %s (extraction and gathering %s at %.1f images/s, training %s), "
                        + "score flow %s at %.1f images/s; whole job %s",
                StageProgress.duration(Duration.ofSeconds(Math.round(trained.flowSeconds()))),
                StageProgress.duration(Duration.ofSeconds(Math.round(trained.gatherSeconds()))), trainingFiles / trained.gatherSeconds(),
                StageProgress.duration(Duration.ofSeconds(Math.round(trained.trainingSeconds()))),
                StageProgress.duration(Duration.ofSeconds(Math.round(result.scoreSeconds()))), heldOutFiles / Math.max(1e-9, result.scoreSeconds()),
                StageProgress.duration(Duration.ofNanos(System.nanoTime() - started))));
        // A GPU-to-CPU fallback is a WARNING bulletin of the model service (kept five minutes by NiFi): repeat it here.
        client.bulletins().stream().filter(bulletin -> bulletin.contains("CUDA")).distinct()
                .forEach(bulletin -> System.out.println("Execution provider:       " + bulletin));
        printStages("train-image-classifier", result.trainStages());
        printStages("score-images", result.scoreStages());
        System.out.println();
        System.out.println("NiFi keeps running at " + url + " with both flows; stop it with: bin/nifi-cnn stop");
        if (!problems.isEmpty()) {
            for (final String problem : problems) {
                System.out.println("FAILED: " + problem);
            }
            System.exit(2);
        }
    }

    private static void printHeldOut(final TransferLearningRun.Result result) {
        System.out.println("  class          precision  recall      F1  support");
        for (final ClassificationReport.ClassMetrics metrics : result.heldOut().classes()) {
            System.out.println(String.format(Locale.ROOT, "  %-14s %9.3f %7.3f %7.3f %8d", metrics.label(), metrics.precision(), metrics.recall(),
                    metrics.f1(), metrics.support()));
        }
    }

    private static void printStages(final String flow, final Map<String, double[]> stages) {
        System.out.println("Per processor, " + flow + " (FlowFiles in and busy time over NiFi's last 5 minutes):");
        for (final Map.Entry<String, double[]> stage : stages.entrySet()) {
            final double[] figures = stage.getValue();
            if (figures[0] > 0 && figures[1] > 0 && !stage.getKey().startsWith("Put") && !stage.getKey().startsWith("Failure")) {
                System.out.println(String.format("  %-28s %6.0f in, %8.2f s busy, %8.1f FlowFiles/s per busy thread", stage.getKey(), figures[0], figures[1], figures[0] / figures[1]));
            }
        }
    }

    static TransferLearningRun.FeatureModel chooseModel(final Map<String, String> options, final Path repository, final Path sharedData) {
        if (options.containsKey("manifest")) {
            final Path manifest = Path.of(options.get("manifest")).toAbsolutePath();
            return new TransferLearningRun.FeatureModel(manifest, Path.of(options.getOrDefault("model-directory", manifest.getParent().toString())),
                    options.getOrDefault("layer", "fc7"), options.getOrDefault("pooling", "NONE"));
        }
        final Path models = Path.of(options.getOrDefault("models", repository.resolve("models").toString())).toAbsolutePath();
        if (Files.exists(models.resolve("bvlcalexnet-12.onnx"))) {
            return new TransferLearningRun.FeatureModel(repository.resolve("models/bvlcalexnet-12.json"), models, "fc7", "NONE");
        }
        if (Files.exists(sharedData.resolve("models/squeezenet1.1-fp32.onnx"))) {
            return new TransferLearningRun.FeatureModel(repository.resolve("models/squeezenet1.1-shared.json"), sharedData.resolve("models"),
                    "fire9", "GLOBAL_AVERAGE");
        }
        throw new IllegalArgumentException("No model: run 'models/fetch alexnet', or pass --models DIR (holding bvlcalexnet-12.onnx), "
                + "or --manifest FILE [--model-directory DIR --layer NAME --pooling NONE|GLOBAL_AVERAGE]");
    }

    static void prepareImages(final Map<String, String> options, final Path sharedData, final Path training, final Path heldOut,
                                      final int perClass, final int heldOutPerClass) throws IOException {
        if (options.containsKey("images")) {
            splitClassFolders(Path.of(options.get("images")), training, heldOut, perClass, heldOutPerClass);
            return;
        }
        final Path cifar = sharedData.resolve("cifar10/cifar10-train-jpg.tar.gz");
        if (!Files.exists(cifar)) {
            throw new IllegalArgumentException("No dataset: pass --images DIR (one sub-folder of images per class); " + cifar + " is absent");
        }
        System.out.println("Extracting " + perClass + " training and " + heldOutPerClass + " held-out CIFAR-10 images per class from " + cifar);
        ImageFolderExtractor.extract(cifar, training, 0, perClass);
        ImageFolderExtractor.extract(cifar, heldOut, perClass, heldOutPerClass);
    }

    /** Copies the first perClass files of each class folder to training and the next heldOutPerClass to held-out. */
    private static void splitClassFolders(final Path images, final Path training, final Path heldOut, final int perClass, final int heldOutPerClass)
            throws IOException {
        try (Stream<Path> classes = Files.list(images)) {
            for (final Path classFolder : classes.filter(Files::isDirectory).sorted().toList()) {
                final List<Path> files;
                try (Stream<Path> list = Files.list(classFolder)) {
                    files = list.filter(Files::isRegularFile).sorted().toList();
                }
                for (int index = 0; index < files.size() && index < perClass + heldOutPerClass; index++) {
                    final Path target = (index < perClass ? training : heldOut).resolve(classFolder.getFileName().toString());
                    Files.createDirectories(target);
                    Files.copy(files.get(index), target.resolve(files.get(index).getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    static Map<String, String> parse(final String[] arguments) {
        final Map<String, String> options = new HashMap<>();
        for (int index = 0; index < arguments.length; index++) {
            if (!arguments[index].startsWith("--")) {
                throw new IllegalArgumentException("Unexpected argument " + arguments[index]);
            }
            final String key = arguments[index].substring(2);
            if (key.equals("start-only")) {
                options.put(key, "true");
            } else if (index + 1 < arguments.length) {
                options.put(key, arguments[++index]);
            } else {
                throw new IllegalArgumentException("Missing value for " + arguments[index]);
            }
        }
        return options;
    }
}

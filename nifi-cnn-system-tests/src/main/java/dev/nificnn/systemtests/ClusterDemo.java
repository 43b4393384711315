package dev.nificnn.systemtests;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The main job on a cluster (bin/nifi-cnn cluster): starts ZooKeeper and NiFi nodes on this machine (UIs on 127.0.0.1:18091 and
 * 18092), imports the train and score flows, runs them over a class-per-folder image set, prints per-node images/s and the
 * accuracy, and leaves the cluster running until {@code bin/nifi-cnn cluster stop}.
 */
public final class ClusterDemo {

    private ClusterDemo() {
    }

    public static void main(final String[] arguments) throws Exception {
        final Map<String, String> options = Demo.parse(arguments);
        final Path module = Path.of(options.getOrDefault("module", ".")).toAbsolutePath().normalize();
        final Path repository = Path.of(options.getOrDefault("repository", "..")).toAbsolutePath().normalize();
        final Path sharedData = Path.of(options.getOrDefault("shared-data", repository.resolve("../shared/data").toString())).toAbsolutePath().normalize();
        final int nodes = Integer.parseInt(options.getOrDefault("nodes", "2"));
        final ClusterPorts defaults = ClusterPorts.defaults();
        if (nodes < 1 || nodes > defaults.nodes().size()) {
            throw new IllegalArgumentException("--nodes must be 1 to " + defaults.nodes().size());
        }
        final ClusterPorts ports = new ClusterPorts(defaults.zooKeeper(), List.copyOf(defaults.nodes().subList(0, nodes)));
        final LocalCluster cluster = new LocalCluster(module.resolve("target/cluster-job"), module, new NiFiAssembly(module.resolve("target/nifi"), module),
                ports, System.getProperty("nificnn.nifi.heap", "2g"), true, System.out::println);

        if (options.containsKey("stop")) {
            System.out.println(cluster.stopRecorded() ? "Cluster stopped (nodes and ZooKeeper, by their recorded process ids)."
                    : "No running cluster recorded in " + cluster.root());
            return;
        }
        if (options.containsKey("start-only")) {
            cluster.prepare(false);
            cluster.start();
            printUis(cluster);
            return;
        }

        final TransferLearningRun.FeatureModel model = Demo.chooseModel(options, repository, sharedData);
        final int perClass = Integer.parseInt(options.getOrDefault("per-class", "100"));
        final int heldOutPerClass = Integer.parseInt(options.getOrDefault("holdout", "20"));
        final Path work = cluster.root().resolve("work");
        NiFiAssembly.deleteRecursively(work);
        final Path training = work.resolve("training-images");
        final Path heldOut = work.resolve("held-out-images");
        Demo.prepareImages(options, sharedData, training, heldOut, perClass, heldOutPerClass);
        final long trainingFiles = FlowProgress.files(training);
        final long heldOutFiles = FlowProgress.files(heldOut);

        System.out.println("Model: " + model.manifest() + " (layer " + model.layer() + ", pooling " + model.pooling() + ")");
        System.out.println("Starting ZooKeeper and " + nodes + " NiFi 2.3.0 node(s) with nifi-cnn (a first start unpacks the NAR on each node)...");
        final long started = System.nanoTime();
        cluster.prepare(true);
        cluster.start();
        final NiFiRestClient client = cluster.client(0);
        final TransferLearningRun run = new TransferLearningRun(client, repository.resolve("templates"), System.out::println, null);
        final TransferLearningRun.Result result = run.run(model, training, trainingFiles, heldOut, heldOutFiles, work,
                Duration.ofMinutes(Long.parseLong(options.getOrDefault("timeout-minutes", "120"))));
        final TransferLearningRun.Training trained = result.training();

        final ClusterStatus status = new ClusterStatus(client);
        final String root = client.rootGroupId();
        final String trainGroup = client.childGroupId(root, FlowTemplates.TRAIN_IMAGE_CLASSIFIER);
        final Map<String, Long> extracted = status.counterByNode(client.processorByName(trainGroup, "ExtractImageFeatures").path("id").asText(), "Images");
        final Map<String, Long> gathered = status.counterByNode(client.processorByName(trainGroup, "TrainImageClassifier").path("id").asText(),
                "Training records gathered");
        System.out.println();
        System.out.println("Nodes:                    " + status.members());
        System.out.println("Training images:          " + trainingFiles + " listed; " + trained.records() + " trained on, " + trained.failedImages()
                + " failed images");
        System.out.println("Training runs failed:     " + trained.trainingRunsFailed());
        System.out.println("Training set gathered on: " + gathered);
        for (final Map.Entry<String, Long> node : extracted.entrySet()) {
            System.out.println(String.format(Locale.ROOT, "Train extraction, node %s: %d images, %.1f images/s", node.getKey(), node.getValue(),
                    node.getValue() / trained.gatherSeconds()));
        }
        System.out.println(String.format(Locale.ROOT, "Train extraction, cluster: %d images in %.1f s, %.1f images/s (listing to trainer); training %.1f s",
                trainingFiles, trained.gatherSeconds(), trainingFiles / trained.gatherSeconds(), trained.trainingSeconds()));
        final List<String> problems = new ArrayList<>();
        if (trained.failed()) {
            problems.add("the training run failed: " + trained.failureReason() + " (" + trained.failureReport() + ")");
        } else {
            final String scoreGroup = client.childGroupId(root, FlowTemplates.SCORE_IMAGES);
            final Map<String, Long> scored = status.counterByNode(client.processorByName(scoreGroup, "ExtractImageFeatures").path("id").asText(), "Images");
            for (final Map.Entry<String, Long> node : scored.entrySet()) {
                System.out.println(String.format(Locale.ROOT, "Score flow, node %s: %d images, %.1f images/s", node.getKey(), node.getValue(),
                        node.getValue() / Math.max(1e-9, result.scoreSeconds())));
            }
            System.out.println(String.format(Locale.ROOT, "Score flow, cluster: %d images in %.1f s, %.1f images/s", heldOutFiles, result.scoreSeconds(),
                    heldOutFiles / Math.max(1e-9, result.scoreSeconds())));
            System.out.println("Classifier artifact:      " + trained.classifierArtifact() + " (" + trained.labels().size() + " classes)");
            System.out.println("Validation accuracy:      " + String.format(Locale.ROOT, "%.3f", trained.validationAccuracy()));
            System.out.println("Held-out accuracy:        " + String.format(Locale.ROOT, "%.3f", result.heldOutAccuracy()) + " (" + result.correctPredictions()
                    + " of " + result.scoredImages() + " images; " + result.scoringFailures() + " failed images)");
            if (!trained.complete()) {
                problems.add("the classifier was trained on an incomplete training set");
            }
        }
        System.out.println("Whole job:                " + StageProgress.duration(Duration.ofNanos(System.nanoTime() - started)));
        System.out.println();
        printUis(cluster);
        for (final String problem : problems) {
            System.out.println("FAILED: " + problem);
        }
        if (!problems.isEmpty()) {
            System.exit(2);
        }
    }

    private static void printUis(final LocalCluster cluster) {
        for (int index = 0; index < cluster.size(); index++) {
            System.out.println("Node " + (index + 1) + " UI: " + cluster.process(index).baseUrl() + "/nifi/ (process " + cluster.process(index).processId() + ")");
        }
        System.out.println("ZooKeeper: " + cluster.zooKeeper().connectString() + " (process " + cluster.zooKeeper().processId() + ")");
        System.out.println("The cluster keeps running; stop it with: bin/nifi-cnn cluster stop");
    }
}

package dev.nificnn.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nificnn.testing.SharedData;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The three flow definitions, unchanged, on a real 2-node NiFi 2.3.0 cluster (issue 12 points 1-3): ROUND_ROBIN spreads feature
 * extraction and scoring over both nodes, SINGLE_NODE gathers the training set on one node which trains exactly one model, both
 * nodes score with that artifact from shared storage and pick up a replacement, and a node killed in the middle of extraction
 * loses no image and writes none twice once it is back.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterFlowsTest {

    @RegisterExtension
    static final RunningCluster CLUSTER = new RunningCluster();

    private static final int TRAINING_PER_CLASS = 250;
    private static final int HELD_OUT_PER_CLASS = 50;
    private static final int REPLACEMENT_WAVE_PER_CLASS = 10;
    private static final int NODE_LOSS_PER_CLASS = 100;
    private static final int TRAINING_NODE_LOSS_PER_CLASS = 100;
    /** Each node's least share of the round-robin work (issue 12: at least 30% of the images). */
    private static final double LEAST_SHARE = 0.3;
    /** 10 classes: chance is 0.1; SqueezeNet fire9 features of 2,500 images reach about 0.7 on one node. */
    private static final double ACCURACY_FLOOR = 0.6;
    private static final String RELABEL_PREFIX = "v2-";
    private static final String IMAGES = "Images";

    /** The artifact test 1 trained (before it was replaced), for the node-loss test. */
    private static Path trainedArtifact;

    @Test
    @Order(1)
    void roundRobinSpreadsTheWorkOneNodeTrainsOneModelAndBothNodesScoreWithItAndItsReplacement() throws Exception {
        final Path cifar = SharedData.require("cifar10/cifar10-train-jpg.tar.gz");
        final Path modelDirectory = SharedData.require("models/squeezenet1.1-fp32.onnx").getParent();
        final LocalCluster cluster = CLUSTER.cluster();
        final NiFiRestClient client = cluster.client(0);
        final ClusterStatus status = new ClusterStatus(client);
        final List<ClusterStatus.Member> members = status.members();
        assertEquals(2, members.size(), members.toString());
        assertTrue(members.stream().allMatch(member -> "CONNECTED".equals(member.status())), members.toString());
        assertEquals(1, members.stream().filter(member -> member.roles().contains("Primary Node")).count(), members.toString());
        assertEquals(1, members.stream().filter(member -> member.roles().contains("Cluster Coordinator")).count(), members.toString());

        final Path work = CLUSTER.targetDirectory().resolve("cluster-train-score");
        NiFiAssembly.deleteRecursively(work);
        final Path training = work.resolve("training-images");
        final Path heldOut = work.resolve("held-out-images");
        final int trainingImages = ImageFolderExtractor.extract(cifar, training, 0, TRAINING_PER_CLASS);
        final int heldOutImages = ImageFolderExtractor.extract(cifar, heldOut, TRAINING_PER_CLASS, HELD_OUT_PER_CLASS);

        final TransferLearningRun run = new TransferLearningRun(client, TemplatesFolder.templates(), System.out::println, null);
        final TransferLearningRun.Result result = run.run(squeezeNet(modelDirectory), training, trainingImages, heldOut, heldOutImages, work,
                Duration.ofMinutes(15));
        final TransferLearningRun.Training trained = result.training();
        assertFalse(trained.failed(), trained.failureReason());

        // SINGLE_NODE: one node gathered every record and trained the one model.
        final String trainGroup = client.childGroupId(client.rootGroupId(), FlowTemplates.TRAIN_IMAGE_CLASSIFIER);
        final Map<String, Long> gathered = status.counterByNode(processorId(client, trainGroup, "TrainImageClassifier"), "Training records gathered");
        final Map<String, Long> trainedModels = status.counterByNode(processorId(client, trainGroup, "TrainImageClassifier"), "Classifiers trained");
        System.out.println("Training records gathered per node: " + gathered + "; classifiers trained per node: " + trainedModels);
        assertEquals(Set.of(0L, (long) trainingImages), new HashSet<>(gathered.values()), "one node gathers the whole training set: " + gathered);
        assertEquals(Set.of(0L, 1L), new HashSet<>(trainedModels.values()), "one node trains, once: " + trainedModels);
        assertEquals(1, FlowProgress.files(work.resolve("classifier"), ".classifier.zip").size(), "exactly one classifier trained");
        assertEquals(trainingImages, trained.records(), "every image trained on exactly once");
        assertTrue(trained.complete());
        assertEquals(10, trained.labels().size(), trained.labels().toString());
        assertEquals(0, trained.failedImages());

        // ROUND_ROBIN: both nodes extracted training features and scored held-out images.
        final Map<String, Long> trainExtraction = status.counterByNode(processorId(client, trainGroup, "ExtractImageFeatures"), IMAGES);
        final String scoreGroup = client.childGroupId(client.rootGroupId(), FlowTemplates.SCORE_IMAGES);
        final String scoreExtractor = processorId(client, scoreGroup, "ExtractImageFeatures");
        final Map<String, Long> scoreExtraction = status.counterByNode(scoreExtractor, IMAGES);
        System.out.println("Training images extracted per node: " + trainExtraction + "; held-out images per node: " + scoreExtraction);
        assertSpread(trainExtraction, trainingImages);
        assertSpread(scoreExtraction, heldOutImages);

        assertEquals(heldOutImages, result.scoredImages(), "every held-out image gets exactly one prediction record");
        assertEquals(0, result.scoringFailures());
        assertTrue(result.heldOutAccuracy() > ACCURACY_FLOOR, "held-out accuracy " + result.heldOutAccuracy());
        System.out.printf("Cluster: held-out accuracy %.3f (validation %.3f); train flow %.1f s (gathering %.1f s = %.1f images/s), score %.1f s%n",
                result.heldOutAccuracy(), trained.validationAccuracy(), trained.flowSeconds(), trained.gatherSeconds(),
                trainingImages / trained.gatherSeconds(), result.scoreSeconds());
        trainedArtifact = Files.copy(trained.classifierArtifact(), work.resolve("trained.classifier.zip"));

        // A replaced artifact on the shared storage: both nodes' ClassifierModelService must load it for the next images.
        final Path replacement = work.resolve("replacement.classifier.zip.part");
        Files.copy(trained.classifierArtifact(), replacement);
        relabel(replacement, client);
        Files.move(replacement, trained.classifierArtifact(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        final Map<String, Long> scoredBefore = status.counterByNode(scoreExtractor, IMAGES);
        final int secondWave = ImageFolderExtractor.extract(cifar, heldOut.resolve("wave-2"), TRAINING_PER_CLASS + HELD_OUT_PER_CLASS,
                REPLACEMENT_WAVE_PER_CLASS);
        final Set<String> secondWaveNames = names(heldOut.resolve("wave-2"));
        client.startGroup(scoreGroup);
        final long aggregateBefore = scoredBefore.values().stream().mapToLong(Long::longValue).sum();
        new FlowProgress(client, scoreGroup).await(() -> sumSafely(status, scoreExtractor) - aggregateBefore, secondWave, Duration.ofMinutes(5),
                System.out::println);
        client.stopGroup(scoreGroup);
        final Map<String, Long> scoredAfter = status.counterByNode(scoreExtractor, IMAGES);
        final Map<String, Long> secondWaveByNode = new TreeMap<>();
        scoredAfter.forEach((node, count) -> secondWaveByNode.put(node, count - scoredBefore.getOrDefault(node, 0L)));
        System.out.println("Images scored per node after the artifact was replaced: " + secondWaveByNode);
        assertSpread(secondWaveByNode, secondWave);

        final List<JsonNode> records = predictions(work.resolve("predictions"), client);
        assertEquals(heldOutImages + secondWave, records.size());
        long relabelled = 0;
        for (final JsonNode record : records) {
            final boolean replaced = record.path("predicted_label").asText().startsWith(RELABEL_PREFIX);
            final boolean secondWaveImage = secondWaveNames.contains(record.path("label").asText() + "/" + record.path("source").asText());
            assertEquals(secondWaveImage, replaced, "scored by the model of its wave: " + record);
            relabelled += replaced ? 1 : 0;
        }
        assertEquals(secondWave, relabelled);
        for (int node = 0; node < cluster.size(); node++) {
            final String log = Files.readString(cluster.home(node).home().resolve("logs/nifi-app.log"));
            assertTrue(log.contains("Reloaded classifier"), "node " + (node + 1) + " reloaded the replaced artifact");
        }
    }

    @Test
    @Order(2)
    void aNodeKilledInTheMiddleOfExtractionLosesNoImageAndWritesNoneTwice() throws Exception {
        assumeTrue(trainedArtifact != null, "needs the classifier trained by the first test");
        final Path cifar = SharedData.require("cifar10/cifar10-train-jpg.tar.gz");
        final Path modelDirectory = SharedData.require("models/squeezenet1.1-fp32.onnx").getParent();
        final LocalCluster cluster = CLUSTER.cluster();
        final NiFiRestClient client = cluster.client(0);
        final ClusterStatus status = new ClusterStatus(client);
        final Path work = CLUSTER.targetDirectory().resolve("cluster-node-loss");
        NiFiAssembly.deleteRecursively(work);
        final Path input = work.resolve("input");
        final int goodImages = ImageFolderExtractor.extract(cifar, input, 1000, NODE_LOSS_PER_CLASS);
        Files.writeString(input.resolve("cat").resolve("corrupt.jpg"), "not a JPEG");
        Files.write(input.resolve("dog").resolve("truncated.jpg"),
                Arrays.copyOf(Files.readAllBytes(FlowProgress.files(input.resolve("dog"), ".jpg").getFirst()), 100));
        final Set<String> inputNames = names(input);
        assertEquals(goodImages + 2, inputNames.size());

        final String group = client.uploadFlowDefinition(client.rootGroupId(), "score-images-node-loss",
                TemplatesFolder.flowDefinition(FlowTemplates.SCORE_IMAGES), 0, 2400);
        final TransferLearningRun.FeatureModel model = squeezeNet(modelDirectory);
        client.setParameters(group, Map.of(
                "input.directory", input.toString(),
                "predictions.directory", work.resolve("predictions").toString(),
                "failure.directory", work.resolve("failed").toString(),
                "model.manifest", model.manifest().toString(),
                "model.directory", model.modelDirectory().toString(),
                "feature.layer", model.layer(),
                "feature.pooling", model.pooling(),
                "classifier.model", trainedArtifact.toString()));
        client.enableControllerServices(group);
        final String extractor = processorId(client, group, "ExtractImageFeatures");
        client.startGroup(group);

        // Kill node 2 once part of the images went through extraction: the rest waits in both nodes' queues.
        final long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        Map<String, Long> atKill = status.counterByNode(extractor, IMAGES);
        while (sum(atKill) < goodImages / 4 && System.nanoTime() < deadline) {
            Thread.sleep(100);
            atKill = status.counterByNode(extractor, IMAGES);
        }
        final String killedNode = cluster.nodeName(1);
        final String survivingNode = cluster.nodeName(0);
        final long killedAt = System.nanoTime();
        cluster.killNode(1);
        System.out.println("Killed " + killedNode + " with " + atKill + " images extracted of " + goodImages);
        assertTrue(sum(atKill) > 0 && sum(atKill) < goodImages * 3 / 4, "killed in the middle of extraction: " + atKill);

        // The surviving node goes on with its own queue and the round-robin share NiFi moves to it; the killed node is disconnected.
        status.awaitMemberStatus(killedNode, "DISCONNECTED", Duration.ofMinutes(3));
        System.out.println(killedNode + " shown DISCONNECTED " + seconds(killedAt) + " s after the kill; members: " + status.members());
        final long survivorAtKill = atKill.getOrDefault(survivingNode, 0L);
        final long survivorDone = awaitQuiet(status, extractor, survivingNode, Duration.ofMinutes(5));
        System.out.println(survivingNode + " went on alone: " + survivorAtKill + " -> " + survivorDone + " images while " + killedNode + " was down");
        assertTrue(survivorDone > survivorAtKill, "the surviving node kept extracting");
        final long writtenWhileDown = predictions(work.resolve("predictions"), client).size() + failureNames(work, client).size();
        assertTrue(writtenWhileDown < inputNames.size(), "the killed node's queued images wait for it: " + writtenWhileDown + " of " + inputNames.size());

        final long restartedAt = System.nanoTime();
        cluster.startNode(1);
        status.awaitConnectedNodes(2, LocalCluster.JOIN_TIMEOUT);
        System.out.println(killedNode + " connected again " + seconds(restartedAt) + " s after its restart");
        new FlowProgress(client, group).await(() -> outputsSafely(work, client), inputNames.size(), Duration.ofMinutes(8), System.out::println);
        System.out.println("Every input written or failed " + seconds(restartedAt) + " s after the restart, " + seconds(killedAt) + " s after the kill");
        final Map<String, Long> afterRestart = status.counterByNode(extractor, IMAGES);
        System.out.println("Images extracted per node after the restart (counters restart at 0 with the node): " + afterRestart);
        assertTrue(afterRestart.getOrDefault(killedNode, 0L) > 0, "the restarted node completed its queued images");
        client.stopGroup(group);

        final List<String> outputNames = new ArrayList<>();
        for (final JsonNode record : predictions(work.resolve("predictions"), client)) {
            outputNames.add(record.path("label").asText() + "/" + record.path("source").asText());
        }
        final List<String> failures = failureNames(work, client);
        final List<String> everything = new ArrayList<>(outputNames);
        everything.addAll(failures);
        Collections.sort(everything);
        final Set<String> distinct = new TreeSet<>(everything);
        assertEquals(distinct.size(), everything.size(), "no image written twice");
        assertEquals(inputNames, distinct, "inputs = outputs + failures, by name");
        assertEquals(Set.of("cat/corrupt.jpg", "dog/truncated.jpg"), new TreeSet<>(failures));
        assertEquals(goodImages, outputNames.size());
        client.disableControllerServices(group);
    }

    @Test
    @Order(3)
    void trainingDataWaitsForItsLostNodeAndOneModelIsTrainedWhenItReturns() throws Exception {
        final Path cifar = SharedData.require("cifar10/cifar10-train-jpg.tar.gz");
        final Path modelDirectory = SharedData.require("models/squeezenet1.1-fp32.onnx").getParent();
        final LocalCluster cluster = CLUSTER.cluster();
        final Path work = CLUSTER.targetDirectory().resolve("cluster-training-node-loss");
        NiFiAssembly.deleteRecursively(work);
        final Path training = work.resolve("training-images");
        final Path classifier = work.resolve("classifier");
        final int images = ImageFolderExtractor.extract(cifar, training, 1100, TRAINING_NODE_LOSS_PER_CLASS);
        final NiFiRestClient client = cluster.client(0);
        final String group = client.uploadFlowDefinition(client.rootGroupId(), "train-image-classifier-node-loss",
                TemplatesFolder.flowDefinition(FlowTemplates.TRAIN_IMAGE_CLASSIFIER), 0, 3600);
        final TransferLearningRun.FeatureModel model = squeezeNet(modelDirectory);
        client.setParameters(group, Map.of(
                "dataset.directory", training.toString(),
                "classifier.output.directory", classifier.toString(),
                "failure.directory", work.resolve("failed").toString(),
                "model.manifest", model.manifest().toString(),
                "model.directory", model.modelDirectory().toString(),
                "feature.layer", model.layer(),
                "feature.pooling", model.pooling(),
                "training.store.directory", work.resolve("training-sets").toString()));
        client.enableControllerServices(group);
        final String trainer = processorId(client, group, "TrainImageClassifier");
        final ClusterStatus status = new ClusterStatus(client);
        client.startGroup(group);

        // Kill the node that gathers (NiFi's SINGLE_NODE choice) once it holds part of the set.
        final long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        String gatheringNode = null;
        while (gatheringNode == null && System.nanoTime() < deadline) {
            for (final Map.Entry<String, Long> node : status.counterByNode(trainer, "Training records gathered").entrySet()) {
                gatheringNode = node.getValue() >= images / 4 ? node.getKey() : gatheringNode;
            }
            Thread.sleep(100);
        }
        assertNotNull(gatheringNode, "a node gathered a quarter of the set");
        final int lost = cluster.nodeName(0).equals(gatheringNode) ? 0 : 1;
        final int survivor = 1 - lost;
        cluster.killNode(lost);
        final NiFiRestClient survivorClient = cluster.client(survivor);
        final ClusterStatus survivorStatus = new ClusterStatus(survivorClient);
        survivorStatus.awaitMemberStatus(gatheringNode, "DISCONNECTED", Duration.ofMinutes(3));
        final String extractor = processorId(survivorClient, group, "ExtractImageFeatures");
        final long survivorExtracted = awaitQuiet(survivorStatus, extractor, cluster.nodeName(survivor), Duration.ofMinutes(5));
        final String toTrainer = connectionInto(survivorClient, group, extractor, trainer);
        final long waiting = survivorClient.get("/flow/connections/" + toTrainer + "/status").path("connectionStatus").path("aggregateSnapshot")
                .path("flowFilesQueued").asLong();
        System.out.println("Gathering node " + gatheringNode + " killed; " + cluster.nodeName(survivor) + " extracted " + survivorExtracted
                + " images and holds " + waiting + " FlowFiles of feature records for it");
        assertTrue(waiting > 0, "the survivor's records for the trainer wait for the lost node");
        assertEquals(0, FlowProgress.files(classifier, ".classifier.zip").size(), "nothing is trained on a partial set");

        cluster.startNode(lost);
        status.awaitConnectedNodes(2, LocalCluster.JOIN_TIMEOUT);
        new FlowProgress(client, group).await(() -> FlowProgress.files(classifier), 3, Duration.ofMinutes(6), System.out::println);
        client.stopGroup(group);
        assertEquals(1, FlowProgress.files(classifier, ".classifier.zip").size(), "exactly one classifier trained");
        final JsonNode report = client.mapper().readTree(Files.readAllBytes(FlowProgress.files(classifier, ".evaluation.json").getFirst()));
        assertEquals(images, report.path("trainingRecords").asInt() + report.path("validationRecords").asInt(),
                "every image's features reached training exactly once across the loss");
        assertTrue(report.path("trainingSet").path("complete").asBoolean(), report.toString());
        assertEquals(0, FlowProgress.files(work.resolve("failed")));
        client.disableControllerServices(group);
    }

    /** The id of the connection from one processor to another in the group. */
    private static String connectionInto(final NiFiRestClient client, final String group, final String sourceId, final String destinationId)
            throws IOException {
        for (final JsonNode connection : client.get("/process-groups/" + group + "/connections").path("connections")) {
            final JsonNode component = connection.path("component");
            if (sourceId.equals(component.path("source").path("id").asText()) && destinationId.equals(component.path("destination").path("id").asText())) {
                return connection.path("id").asText();
            }
        }
        throw new AssertionError("No connection " + sourceId + " -> " + destinationId);
    }

    private static TransferLearningRun.FeatureModel squeezeNet(final Path modelDirectory) {
        return new TransferLearningRun.FeatureModel(TemplatesFolder.repositoryRoot().resolve("models/squeezenet1.1-shared.json"), modelDirectory,
                "fire9", "GLOBAL_AVERAGE");
    }

    private static void assertSpread(final Map<String, Long> byNode, final long total) {
        assertEquals(2, byNode.size(), "both nodes report: " + byNode);
        assertEquals(total, sum(byNode), "every image once: " + byNode);
        for (final Map.Entry<String, Long> node : byNode.entrySet()) {
            assertTrue(node.getValue() >= LEAST_SHARE * total, node.getKey() + " handled " + node.getValue() + " of " + total + ": " + byNode);
        }
    }

    /** Waits until the node's counter stays put over several polls, and returns it. */
    private static long awaitQuiet(final ClusterStatus status, final String componentId, final String node, final Duration timeout)
            throws IOException, InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        long last = -1;
        int quietPolls = 0;
        while (System.nanoTime() < deadline) {
            final long now = status.counterByNode(componentId, IMAGES).getOrDefault(node, 0L);
            quietPolls = now == last ? quietPolls + 1 : 0;
            last = now;
            if (quietPolls >= 10) {
                return now;
            }
            Thread.sleep(1000);
        }
        throw new IOException(node + " kept changing for " + timeout);
    }

    private static long seconds(final long sinceNanos) {
        return Duration.ofNanos(System.nanoTime() - sinceNanos).toSeconds();
    }

    private static long sum(final Map<String, Long> byNode) {
        return byNode.values().stream().mapToLong(Long::longValue).sum();
    }

    private static long sumSafely(final ClusterStatus status, final String componentId) {
        try {
            return sum(status.counterByNode(componentId, IMAGES));
        } catch (final IOException e) {
            return 0;
        }
    }

    private static long outputsSafely(final Path work, final NiFiRestClient client) {
        try {
            return predictions(work.resolve("predictions"), client).size() + failureNames(work, client).size();
        } catch (final IOException e) {
            return 0;
        }
    }

    /** class/file of every failed input, from the failure branch's reasons (ListFile's absolute.path ends with the class folder). */
    private static List<String> failureNames(final Path work, final NiFiRestClient client) throws IOException {
        final List<String> names = new ArrayList<>();
        for (final Path file : FlowProgress.files(work.resolve("failed/reasons"), "")) {
            final JsonNode reason = client.mapper().readTree(Files.readAllBytes(file));
            final Path folder = Path.of(reason.path("absolute.path").asText());
            names.add(folder.getFileName() + "/" + reason.path("filename").asText());
        }
        return names;
    }

    /** class/file of every file below the folder. */
    private static Set<String> names(final Path folder) throws IOException {
        final Set<String> names = new TreeSet<>();
        for (final Path file : FlowProgress.files(folder, "")) {
            names.add(file.getParent().getFileName() + "/" + file.getFileName());
        }
        return names;
    }

    /** Every prediction record the score flow wrote below the folder. */
    private static List<JsonNode> predictions(final Path folder, final NiFiRestClient client) throws IOException {
        return new TransferLearningRun(client, TemplatesFolder.templates(), line -> { }, null).predictionRecords(folder);
    }

    private static String processorId(final NiFiRestClient client, final String groupId, final String name) throws IOException {
        final String id = client.processorByName(groupId, name).path("id").asText();
        assertNotNull(id);
        return id;
    }

    /** Renames every class of the artifact's metadata (v2-cat, ...): the same network, predictions that show which file scored them. */
    private static void relabel(final Path artifact, final NiFiRestClient client) throws IOException {
        try (FileSystem zip = FileSystems.newFileSystem(artifact)) {
            final Path metadata = zip.getPath("nificnn-classifier.json");
            final ObjectNode root = (ObjectNode) client.mapper().readTree(Files.readAllBytes(metadata));
            final ArrayNode labels = root.putArray("labels");
            final JsonNode original = client.mapper().readTree(Files.readAllBytes(metadata)).path("labels");
            original.forEach(label -> labels.add(RELABEL_PREFIX + label.asText()));
            Files.write(metadata, client.mapper().writeValueAsBytes(root));
        }
    }
}

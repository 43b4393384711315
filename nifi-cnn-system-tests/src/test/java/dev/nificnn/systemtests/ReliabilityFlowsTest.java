package dev.nificnn.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nificnn.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue point 6 in the real NiFi: a restart in the middle of training loses nothing; a model replaced while classifying is picked up. */
class ReliabilityFlowsTest {

    @RegisterExtension
    static final RunningNiFi NIFI = new RunningNiFi();

    @Test
    void restartInTheMiddleOfTrainingLosesNoFlowFileAndTrainingFinishes() throws Exception {
        final Path cifar = SharedData.require("cifar10/cifar10-train-jpg.tar.gz");
        final Path modelDirectory = SharedData.require("models/squeezenet1.1-fp32.onnx").getParent();
        final Path work = NIFI.targetDirectory().resolve("restart-during-training");
        NiFiAssembly.deleteRecursively(work);
        final Path training = work.resolve("training-images");
        final Path classifier = work.resolve("classifier");
        final int images = ImageFolderExtractor.extract(cifar, training, 0, 20);

        final NiFiRestClient client = NIFI.client();
        final String group = client.uploadFlowDefinition(client.rootGroupId(), "train-image-classifier",
                TemplatesFolder.flowDefinition(FlowTemplates.TRAIN_IMAGE_CLASSIFIER), 0, 0);
        client.setParameters(group, Map.of(
                "dataset.directory", training.toString(),
                "classifier.output.directory", classifier.toString(),
                "failure.directory", work.resolve("failed").toString(),
                "model.manifest", TemplatesFolder.repositoryRoot().resolve("models/squeezenet1.1-shared.json").toString(),
                "model.directory", modelDirectory.toString(),
                "feature.layer", "fire9",
                "feature.pooling", "GLOBAL_AVERAGE",
                "batch.size", "8",
                "training.store.directory", work.resolve("training-sets").toString()));
        client.enableControllerServices(group);
        client.startGroup(group);

        // Stop NiFi once part of the images went through feature extraction and the rest still waits in queues.
        final long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        double extracted = 0;
        while (extracted < images / 4.0 && System.nanoTime() < deadline) {
            Thread.sleep(200);
            extracted = new FlowProgress(client, group).processorFigures().getOrDefault("ExtractImageFeatures", new double[2])[0];
        }
        final int queuedBeforeRestart = client.groupStatus(group).path("flowFilesQueued").asInt();
        assertTrue(extracted > 0 && extracted < images, "restart happens mid-way: " + extracted + " of " + images + " extracted");
        assertTrue(queuedBeforeRestart > 0, "FlowFiles are queued when NiFi stops");
        System.out.printf("Restarting NiFi with %.0f of %d images extracted and %d FlowFiles queued%n", extracted, images, queuedBeforeRestart);
        NIFI.restart();

        final NiFiRestClient restarted = new NiFiRestClient(NIFI.process().baseUrl());
        new FlowProgress(restarted, group).await(() -> FlowProgress.files(classifier), 3, Duration.ofMinutes(4), System.out::println);
        assertEquals(1, FlowProgress.files(classifier, ".classifier.zip").size(), "exactly one classifier trained");
        final JsonNode report = restarted.mapper().readTree(Files.readAllBytes(FlowProgress.files(classifier, ".evaluation.json").getFirst()));
        assertEquals(images, report.path("trainingRecords").asInt() + report.path("validationRecords").asInt(),
                "every image's features reached training exactly once across the restart");
        assertTrue(report.path("trainingSet").path("complete").asBoolean(), report.toString());
        assertEquals(images, report.path("trainingSet").path("expectedInputs").asInt());
        assertEquals(0, FlowProgress.files(work.resolve("failed")));
        assertEquals(0, restarted.groupStatus(group).path("flowFilesQueued").asInt());
        restarted.stopGroup(group);
        restarted.disableControllerServices(group);
    }

    @Test
    void modelReplacedWhileClassifyingIsPickedUpWithoutFailures() throws Exception {
        final Path cifar = SharedData.require("cifar10/cifar10-train-jpg.tar.gz");
        final Path sharedModels = SharedData.require("models/squeezenet1.1-fp16.onnx").getParent();
        final Path work = NIFI.targetDirectory().resolve("model-replaced-during-classify");
        NiFiAssembly.deleteRecursively(work);
        final Path models = Files.createDirectories(work.resolve("models"));
        Files.copy(sharedModels.resolve("squeezenet1.1-fp32.onnx"), models.resolve("squeezenet1.1-fp32.onnx"));
        Files.copy(sharedModels.resolve("imagenet-classes.txt"), models.resolve("imagenet-classes.txt"));
        final Path manifest = models.resolve("current-model.json");
        Files.copy(TemplatesFolder.repositoryRoot().resolve("models/squeezenet1.1-shared.json"), manifest);
        final Path input = work.resolve("input");
        final Path output = work.resolve("output");
        final int firstWave = ImageFolderExtractor.extract(cifar, input.resolve("wave1"), 0, 10);

        final NiFiRestClient client = NIFI.client();
        final String group = client.uploadFlowDefinition(client.rootGroupId(), "classify-images",
                TemplatesFolder.flowDefinition(FlowTemplates.CLASSIFY_IMAGES), 0, 600);
        client.setParameters(group, Map.of(
                "input.directory", input.toString(),
                "output.directory", output.toString(),
                "failure.directory", work.resolve("failed").toString(),
                "model.manifest", manifest.toString(),
                "model.directory", models.toString(),
                "execution.provider", "CPU",
                "score.threshold", "0.0"));
        client.enableControllerServices(group);
        client.startGroup(group);
        final FlowProgress progress = new FlowProgress(client, group);
        progress.await(() -> FlowProgress.files(output), firstWave, Duration.ofMinutes(3), System.out::println);

        // The operator's replacement: the new model file first, then the manifest that names it, each moved in atomically.
        Files.copy(sharedModels.resolve("squeezenet1.1-fp16.onnx"), models.resolve("squeezenet1.1-fp16.onnx"));
        final Path newManifest = models.resolve("next-model.json.tmp");
        Files.copy(TemplatesFolder.repositoryRoot().resolve("models/squeezenet1.1-fp16-shared.json"), newManifest);
        Files.move(newManifest, manifest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Thread.sleep(12_000);
        final int secondWave = ImageFolderExtractor.extract(cifar, input.resolve("wave2"), 10, 10);
        progress.await(() -> FlowProgress.files(output), firstWave + secondWave, Duration.ofMinutes(3), System.out::println);
        client.stopGroup(group);

        assertEquals(0, FlowProgress.files(work.resolve("failed")), "no failure across the model swap");
        final Set<String> modelIds = new TreeSet<>();
        for (final JsonNode event : client.provenanceEvents(client.processorByName(group, "ClassifyImage").path("id").asText(), 1000)) {
            final String modelId = NiFiRestClient.eventAttribute(event, "cnn.model.id");
            if (modelId != null) {
                modelIds.add(modelId.replaceAll("-[0-9a-f]{12}$", ""));
            }
        }
        assertEquals(Set.of("squeezenet1.1-shared", "squeezenet1.1-fp16-shared"), modelIds, "both models classified images");
        client.disableControllerServices(group);
    }
}

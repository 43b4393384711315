package dev.nificnn.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nificnn.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * templates/train-image-classifier.json and templates/score-images.json in the real NiFi, at a size where timing-based
 * gathering broke: 3,000 CIFAR-10 images listed class by class (ListImageDataset walks one class folder after the other), whose
 * feature extraction stops for longer than any bin age a timing-based flow used (the demo's was 30 s). SqueezeNet 1.1 fire9
 * features must still train exactly one classifier, on every image and every class, which then scores held-out images well.
 */
class TrainAndScoreFlowsTest {

    @RegisterExtension
    static final RunningNiFi NIFI = new RunningNiFi();

    private static final int TRAINING_PER_CLASS = 300;
    private static final int HELD_OUT_PER_CLASS = 50;
    private static final Duration PAUSE = Duration.ofSeconds(40);

    @Test
    void oneClassifierOnTheWholeSetEvenWhenImagesArriveSlowerThanAnyTimeout() throws Exception {
        final Path cifar = SharedData.require("cifar10/cifar10-train-jpg.tar.gz");
        final Path modelDirectory = SharedData.require("models/squeezenet1.1-fp32.onnx").getParent();
        final Path work = NIFI.targetDirectory().resolve("train-score-flows");
        NiFiAssembly.deleteRecursively(work);
        final Path training = work.resolve("training-images");
        final Path heldOut = work.resolve("held-out-images");
        final int trainingImages = ImageFolderExtractor.extract(cifar, training, 0, TRAINING_PER_CLASS);
        final int heldOutImages = ImageFolderExtractor.extract(cifar, heldOut, TRAINING_PER_CLASS, HELD_OUT_PER_CLASS);
        assertEquals(10 * TRAINING_PER_CLASS, trainingImages);
        Files.writeString(training.resolve("cat").resolve("corrupt.jpg"), "not a JPEG");
        Files.write(heldOut.resolve("dog").resolve("truncated.jpg"), Arrays.copyOf(
                Files.readAllBytes(FlowProgress.files(heldOut.resolve("dog"), ".jpg").getFirst()), 100));

        final NiFiRestClient client = NIFI.client();
        final AtomicReference<Throwable> pauseFailure = new AtomicReference<>();
        final Thread pause = Thread.ofVirtual().start(() -> {
            try {
                pauseExtractionMidway(client, trainingImages / 3);
            } catch (final Exception e) {
                pauseFailure.set(e);
            }
        });
        final TransferLearningRun run = new TransferLearningRun(client, TemplatesFolder.templates(), System.out::println,
                NIFI.assembly().home().resolve("logs/nifi-app.log"));
        final TransferLearningRun.Result result = run.run(
                new TransferLearningRun.FeatureModel(TemplatesFolder.repositoryRoot().resolve("models/squeezenet1.1-shared.json"),
                        modelDirectory, "fire9", "GLOBAL_AVERAGE"),
                training, trainingImages + 1, heldOut, heldOutImages + 1, work, Duration.ofMinutes(12));
        pause.join();
        assertNull(pauseFailure.get(), "the extraction was paused mid-way");

        final TransferLearningRun.Training trained = result.training();
        assertFalse(trained.failed(), trained.failureReason());
        assertEquals(1, FlowProgress.files(work.resolve("classifier"), ".classifier.zip").size(), "exactly one classifier trained");
        assertEquals(0, trained.trainingRunsFailed());
        assertEquals(1, trained.failedImages(), "the corrupt training file fails, and is counted, not waited for");
        assertEquals(trainingImages, trained.records(), "every good image is trained on exactly once");
        assertTrue(trained.complete());
        assertEquals(10, trained.labels().size(), "every class: " + trained.labels());
        trained.classRecordCounts().values().forEach(count -> assertEquals(TRAINING_PER_CLASS, count));
        final JsonNode report = client.mapper().readTree(Files.readAllBytes(trained.evaluationReport()));
        assertEquals(trainingImages + 1, report.path("trainingSet").path("expectedInputs").asInt());
        assertTrue(Files.size(trained.confusionMatrix()) > 100);

        assertEquals(1, result.scoringFailures(), "the truncated held-out file fails");
        assertEquals(heldOutImages, result.scoredImages(), "every good held-out image gets exactly one prediction record");
        // 10 classes: chance is 0.1; SqueezeNet features of 3,000 training images reach about 0.7.
        assertTrue(result.heldOutAccuracy() > 0.6, "held-out accuracy " + result.heldOutAccuracy());
        assertEquals(10, result.heldOut().classes().stream().filter(metrics -> metrics.recall() > 0).count(), "every class is predicted");
        assertTrue(Files.size(result.heldOutConfusionMatrix()) > 100);

        final List<Path> reasons = FlowProgress.files(work.resolve("train-failed/reasons"), "");
        final JsonNode reason = client.mapper().readTree(Files.readAllBytes(reasons.getFirst()));
        assertEquals("corrupt.jpg", reason.path("filename").asText());
        assertFalse(reason.path("cnn.error").asText().isBlank());
        System.out.printf("held-out accuracy %.3f (validation %.3f), train flow %.1f s (training %.1f s), score %.1f s%n", result.heldOutAccuracy(),
                trained.validationAccuracy(), trained.flowSeconds(), trained.trainingSeconds(), result.scoreSeconds());
    }

    /** Stops ExtractImageFeatures of the train flow once it has seen some images, for longer than any timing-based gathering waited. */
    private static void pauseExtractionMidway(final NiFiRestClient client, final long afterImages) throws Exception {
        final long deadline = System.nanoTime() + Duration.ofMinutes(6).toNanos();
        String group = null;
        while (System.nanoTime() < deadline) {
            if (group == null) {
                for (final JsonNode child : client.get("/process-groups/" + client.rootGroupId() + "/process-groups").path("processGroups")) {
                    if ("train-image-classifier".equals(child.path("component").path("name").asText())) {
                        group = child.path("id").asText();
                    }
                }
            } else if (client.counter("ExtractImageFeatures", "Images") >= afterImages) {
                client.setProcessorState(group, "ExtractImageFeatures", "STOPPED");
                System.out.println("ExtractImageFeatures stopped for " + PAUSE.toSeconds() + " s with " + client.counter("ExtractImageFeatures", "Images")
                        + " images done");
                Thread.sleep(PAUSE.toMillis());
                client.setProcessorState(group, "ExtractImageFeatures", "RUNNING");
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the train flow never reached " + afterImages + " images");
    }
}

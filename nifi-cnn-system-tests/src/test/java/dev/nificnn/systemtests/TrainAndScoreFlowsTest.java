package dev.nificnn.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * templates/train-image-classifier.json and templates/score-images.json in the real NiFi: SqueezeNet 1.1 fire9 features
 * (global average pooled) of CIFAR-10 images train a classifier, which then scores held-out images; corrupt files fail with a reason.
 */
class TrainAndScoreFlowsTest {

    @RegisterExtension
    static final RunningNiFi NIFI = new RunningNiFi();

    private static final int TRAINING_PER_CLASS = 20;
    private static final int HELD_OUT_PER_CLASS = 5;

    @Test
    void classifierTrainedInNiFiScoresHeldOutImagesBetterThanChance() throws Exception {
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
        Files.write(heldOut.resolve("dog").resolve("truncated.jpg"), java.util.Arrays.copyOf(
                Files.readAllBytes(FlowProgress.files(heldOut.resolve("dog"), ".jpg").getFirst()), 100));

        final TransferLearningRun run = new TransferLearningRun(NIFI.client(), TemplatesFolder.templates(), System.out::println);
        final TransferLearningRun.Result result = run.run(
                new TransferLearningRun.FeatureModel(TemplatesFolder.repositoryRoot().resolve("models/squeezenet1.1-shared.json"),
                        modelDirectory, "fire9", "GLOBAL_AVERAGE"),
                training, trainingImages + 1, trainingImages, heldOut, heldOutImages + 1, work, Duration.ofMinutes(5));

        assertEquals(1, result.trainingFailures(), "the corrupt training file fails");
        assertEquals(trainingImages, result.trainingImages());
        assertTrue(Files.size(result.classifierArtifact()) > 1000);
        assertTrue(Files.size(result.confusionMatrix()) > 100);
        final JsonNode report = NIFI.client().mapper().readTree(Files.readAllBytes(result.evaluationReport()));
        assertFalse(report.isEmpty());

        assertEquals(1, result.scoringFailures(), "the truncated held-out file fails");
        assertEquals(heldOutImages, result.scoredImages(), "every good held-out image gets exactly one prediction record");
        // 10 classes: chance is 0.1; SqueezeNet features of 200 training images do clearly better.
        assertTrue(result.heldOutAccuracy() > 0.25, "held-out accuracy " + result.heldOutAccuracy());

        final List<Path> reasons = FlowProgress.files(work.resolve("train-failed/reasons"), "");
        final JsonNode reason = NIFI.client().mapper().readTree(Files.readAllBytes(reasons.getFirst()));
        assertEquals("corrupt.jpg", reason.path("filename").asText());
        assertFalse(reason.path("cnn.error").asText().isBlank());
        System.out.printf("held-out accuracy %.3f, train %.1f s, score %.1f s%n", result.heldOutAccuracy(), result.trainSeconds(), result.scoreSeconds());
    }
}

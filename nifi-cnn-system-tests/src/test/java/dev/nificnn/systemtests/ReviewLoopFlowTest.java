package dev.nificnn.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nificnn.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One round of templates/review-low-confidence.json's loop in the real NiFi, on CIFAR-10 with SqueezeNet 1.1 fire9 features: a
 * classifier trained on a small labelled set scores a pool of new images; the ones it is unsure of are copied into
 * review/&lt;predicted label&gt;/; a person (here: the test, which knows each pool image's class from the folder it was extracted
 * to) moves each into its right class folder of the training tree; the train flow, run again, lists the changed tree and trains
 * on all of it; held-out accuracy, on images neither run saw, rises.
 */
class ReviewLoopFlowTest {

    @RegisterExtension
    static final RunningNiFi NIFI = new RunningNiFi();

    private static final int LABELLED_PER_CLASS = 20;
    private static final int POOL_PER_CLASS = 120;
    private static final int HELD_OUT_PER_CLASS = 50;
    private static final String REVIEW_SCORE_THRESHOLD = "0.5";

    @Test
    void reviewingTheUnsurePredictionsAndRetrainingRaisesHeldOutAccuracy() throws Exception {
        final Path cifar = SharedData.require("cifar10/cifar10-train-jpg.tar.gz");
        final Path modelDirectory = SharedData.require("models/squeezenet1.1-fp32.onnx").getParent();
        final Path work = NIFI.targetDirectory().resolve("review-loop");
        NiFiAssembly.deleteRecursively(work);
        final Path training = work.resolve("training-images");
        final Path pool = work.resolve("new-images");
        final Path heldOut = work.resolve("held-out-images");
        final int labelled = ImageFolderExtractor.extract(cifar, training, 0, LABELLED_PER_CLASS);
        final int poolImages = ImageFolderExtractor.extract(cifar, pool, LABELLED_PER_CLASS, POOL_PER_CLASS);
        final int heldOutImages = ImageFolderExtractor.extract(cifar, heldOut, LABELLED_PER_CLASS + POOL_PER_CLASS, HELD_OUT_PER_CLASS);
        assertEquals(10 * POOL_PER_CLASS, poolImages);

        final NiFiRestClient client = NIFI.client();
        final TransferLearningRun run = new TransferLearningRun(client, TemplatesFolder.templates(), System.out::println, null);
        final TransferLearningRun.FeatureModel model = new TransferLearningRun.FeatureModel(
                TemplatesFolder.repositoryRoot().resolve("models/squeezenet1.1-shared.json"), modelDirectory, "fire9", "GLOBAL_AVERAGE");
        final TransferLearningRun.Result before = run.run(model, training, labelled, heldOut, heldOutImages, work.resolve("round-1"), Duration.ofMinutes(5));
        assertFalse(before.training().failed(), before.training().failureReason());
        assertEquals(labelled, before.training().records());

        // The review flow over the pool, with the first classifier.
        final Path predictions = work.resolve("pool-predictions");
        final Path review = work.resolve("review");
        final String group = client.uploadFlowDefinition(client.rootGroupId(), FlowTemplates.REVIEW_LOW_CONFIDENCE,
                TemplatesFolder.templates().resolve(FlowTemplates.REVIEW_LOW_CONFIDENCE + ".json"), 0, 2400);
        final Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("model.manifest", model.manifest().toString());
        parameters.put("model.directory", model.modelDirectory().toString());
        parameters.put("feature.layer", model.layer());
        parameters.put("feature.pooling", model.pooling());
        parameters.put("input.directory", pool.toString());
        parameters.put("predictions.directory", predictions.toString());
        parameters.put("review.directory", review.toString());
        parameters.put("failure.directory", work.resolve("review-failed").toString());
        parameters.put("classifier.model", before.training().classifierArtifact().toString());
        parameters.put("review.score.threshold", REVIEW_SCORE_THRESHOLD);
        client.setParameters(group, parameters);
        client.enableControllerServices(group);
        assertEquals(List.of(), client.validationErrors(group));
        final long scoredBefore = client.counter("ScoreImageClassifier", "Records scored");
        client.startGroup(group);
        FlowRun.awaitCount(client, group, () -> {
            try {
                return client.counter("ScoreImageClassifier", "Records scored") - scoredBefore;
            } catch (final IOException e) {
                return 0;
            }
        }, poolImages, Duration.ofMinutes(4));
        client.stopGroup(group);

        final List<Path> reviewed = FlowRun.listFiles(review);
        final long confident = run.predictionRecords(predictions).size();
        System.out.printf("review flow: %d of %d pool images sent to review (score under %s), %d predicted with confidence%n", reviewed.size(),
                poolImages, REVIEW_SCORE_THRESHOLD, confident);
        assertEquals(poolImages, reviewed.size() + confident, "every pool image is either predicted or in review, once");
        assertEquals(0, FlowRun.files(work.resolve("review-failed")));
        assertTrue(reviewed.size() >= 100 && confident >= 50, reviewed.size() + " reviewed");
        for (final JsonNode record : run.predictionRecords(predictions)) {
            assertTrue(record.path("predicted_score").asDouble() >= Double.parseDouble(REVIEW_SCORE_THRESHOLD), record.toString());
        }

        // The person's part: review/<predicted>/<true class>/<image> (the pool's sub-folder is kept) into training/<true class>/.
        int moved = 0;
        for (final Path image : reviewed) {
            final Path relative = review.relativize(image);
            assertEquals(3, relative.getNameCount(), "review/<predicted>/<sub-folder>/<image>: " + relative);
            final String trueClass = relative.getName(1).toString();
            assertTrue(Files.exists(pool.resolve(trueClass).resolve(image.getFileName())), "a copy of a pool image: " + relative);
            final Path target = training.resolve(trueClass).resolve(image.getFileName());
            assertFalse(Files.exists(target), "no training image is overwritten: " + target);
            Files.move(image, target);
            moved++;
        }
        assertEquals(0, FlowRun.listFiles(review).size(), "nothing is left in review/ once moved");

        final TransferLearningRun.Result after = run.run(model, training, labelled + moved, heldOut, heldOutImages, work.resolve("round-2"),
                Duration.ofMinutes(5));
        assertFalse(after.training().failed(), after.training().failureReason());
        assertEquals(labelled + moved, after.training().records(), "the next training run trains on the labelled set and every reviewed image");
        assertEquals(heldOutImages, after.scoredImages());
        System.out.printf("review loop: held-out accuracy %.3f with %d labelled images, %.3f after reviewing %d unsure pool images (%d held out)%n",
                before.heldOutAccuracy(), labelled, after.heldOutAccuracy(), moved, heldOutImages);
        // 20 labelled images per class give about 0.45-0.55 on SqueezeNet features; a few hundred more, chosen by the loop, add ~0.1.
        assertTrue(after.heldOutAccuracy() > before.heldOutAccuracy() + 0.05,
                "held-out accuracy " + before.heldOutAccuracy() + " -> " + after.heldOutAccuracy());
    }
}

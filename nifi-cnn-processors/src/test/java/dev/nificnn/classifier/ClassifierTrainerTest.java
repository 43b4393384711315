package dev.nificnn.classifier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClassifierTrainerTest {

    private static final TrainingSettings FAST = TrainingSettings.defaults().withEpochs(15, 3).withBatchSize(64).withLearningRate(0.01);

    @Test
    void separableClustersAreLearnedByBothCandidates() throws Exception {
        final FeatureMatrix matrix = GaussianClusters.matrix(1200, 32, 4, 1.0, 7);
        final TrainedClassifier trained = ClassifierTrainer.train(matrix, FAST, new FeatureSource("squeezenet1.1", "fire9"));

        assertEquals(2, trained.candidates().size());
        for (final CandidateResult candidate : trained.candidates()) {
            assertTrue(candidate.validation().accuracy() > 0.95, candidate.kind() + " accuracy " + candidate.validation().accuracy());
            assertTrue(candidate.bestEpoch() >= 1 && candidate.bestEpoch() <= candidate.epochs());
        }
        final ArtifactMetadata metadata = trained.metadata();
        assertEquals(GaussianClusters.labels(4), metadata.labels());
        assertEquals(32, metadata.featureLength());
        assertEquals(1080, metadata.trainingRecords());
        assertEquals(120, metadata.validationRecords());
        assertEquals("squeezenet1.1", metadata.featureModel());
        assertEquals("fire9", metadata.featureLayer());
        assertEquals(64, metadata.trainingSetSha256().length());
        // The validation report counts each held-out row once: 30 per class.
        long total = 0;
        for (final long[] row : trained.validation().confusionMatrix()) {
            for (final long count : row) {
                total += count;
            }
        }
        assertEquals(120, total);
        trained.validation().classes().forEach(metrics -> assertEquals(30, metrics.support()));
    }

    @Test
    void sameRecordsSettingsAndSeedGiveTheSameModel() throws Exception {
        // Overlapping clusters, so that the accuracy is not trivially 100% and differences would show.
        final TrainedClassifier first = ClassifierTrainer.train(GaussianClusters.matrix(1500, 24, 5, 2.5, 11), FAST, FeatureSource.UNKNOWN);
        final TrainedClassifier second = ClassifierTrainer.train(GaussianClusters.matrix(1500, 24, 5, 2.5, 11), FAST, FeatureSource.UNKNOWN);

        assertTrue(first.validation().accuracy() < 1.0 && first.validation().accuracy() > 0.4, "accuracy " + first.validation().accuracy());
        assertEquals(first.metadata().selectedClassifier(), second.metadata().selectedClassifier());
        for (int candidate = 0; candidate < 2; candidate++) {
            final CandidateSummary one = first.metadata().candidates().get(candidate);
            final CandidateSummary other = second.metadata().candidates().get(candidate);
            assertEquals(one.name(), other.name());
            assertEquals(one.validationAccuracy(), other.validationAccuracy());
            assertEquals(one.validationMacroF1(), other.validationMacroF1());
            assertEquals(one.validationLoss(), other.validationLoss());
            assertEquals(one.epochs(), other.epochs());
            assertEquals(one.bestEpoch(), other.bestEpoch());
        }
        assertEquals(first.validation().accuracy(), second.validation().accuracy());
        assertArrayEquals(first.network().params().toFloatVector(), second.network().params().toFloatVector());
        assertEquals(first.metadata().trainingSetSha256(), second.metadata().trainingSetSha256());
    }

    @Test
    void aDifferentSeedGivesADifferentSplit() throws Exception {
        final FeatureMatrix matrix = GaussianClusters.matrix(200, 4, 2, 1.0, 3);
        final StratifiedSplit first = StratifiedSplit.of(matrix, 0.1, 1);
        final StratifiedSplit again = StratifiedSplit.of(matrix, 0.1, 1);
        final StratifiedSplit other = StratifiedSplit.of(matrix, 0.1, 2);
        assertArrayEquals(first.validationRows(), again.validationRows());
        assertTrue(!Arrays.equals(first.validationRows(), other.validationRows()));
        assertEquals(20, first.validationRows().length);
        assertEquals(180, first.trainingRows().length);
    }

    @Test
    void artifactRoundTripScoresLikeTheTrainedNetwork(@TempDir final Path directory) throws Exception {
        final FeatureMatrix matrix = GaussianClusters.matrix(600, 16, 3, 0.8, 5);
        final TrainedClassifier trained = ClassifierTrainer.train(matrix, FAST.withCandidates(Set.of(ClassifierKind.SOFTMAX_REGRESSION)),
                FeatureSource.UNKNOWN);
        final Path file = directory.resolve("model.zip");
        ClassifierArtifact.write(trained, file);
        final ClassifierModel model = ClassifierArtifact.read(file);

        assertEquals(trained.metadata().labels(), model.labels());
        assertEquals(16, model.featureLength());
        assertEquals("softmax-regression", model.metadata().selectedClassifier());
        assertEquals(trained.metadata().trainingSetSha256(), model.metadata().trainingSetSha256());

        // The same rows again, raw: the loaded model standardises them itself and must give what the trained network gave
        // on the rows the trainer standardised in place.
        final FeatureMatrix raw = GaussianClusters.matrix(600, 16, 3, 0.8, 5);
        final float[] loaded = model.probabilities(raw.values(), raw.rows());
        final int[] allRows = IntStream.range(0, matrix.rows()).toArray();
        final float[] original = CandidateTrainer.probabilities(trained.network(), matrix, allRows);
        assertEquals(600 * 3, loaded.length);
        assertArrayEquals(original, loaded, 1e-5f);
        int correct = 0;
        for (int row = 0; row < raw.rows(); row++) {
            final float sum = loaded[row * 3] + loaded[row * 3 + 1] + loaded[row * 3 + 2];
            assertEquals(1.0f, sum, 1e-4f);
            if (model.topClasses(loaded, row, 1)[0] == raw.classIndexes()[row]) {
                correct++;
            }
        }
        assertTrue(correct >= 0.9 * raw.rows(), "correct " + correct);
    }
}

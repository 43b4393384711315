package dev.nificnn.classifier;

import org.nd4j.linalg.dataset.api.preprocessor.NormalizerStandardize;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains every candidate classifier on a feature matrix with a stratified validation split and selects the best one.
 * <p>
 * The matrix is standardised in place (statistics from the training rows only), so after training it holds standardised values.
 * The same matrix, settings and seed give the same selected network and the same validation scores.
 */
public final class ClassifierTrainer {

    private ClassifierTrainer() {
    }

    /**
     * Trains and selects.
     *
     * @throws ClassifierInputException when the records cannot be trained on (one class only, a class with fewer than two examples)
     */
    public static TrainedClassifier train(final FeatureMatrix matrix, final TrainingSettings settings, final FeatureSource source)
            throws ClassifierInputException {
        return train(matrix, settings, source, TrainingSetCompleteness.singleFlowFile(matrix.rows()), EpochListener.NONE);
    }

    /**
     * Trains and selects, recording how complete the set was and reporting every epoch to the listener.
     *
     * @throws ClassifierInputException when the records cannot be trained on (one class only, a class with fewer than two examples)
     */
    public static TrainedClassifier train(final FeatureMatrix matrix, final TrainingSettings settings, final FeatureSource source,
                                          final TrainingSetCompleteness completeness, final EpochListener listener)
            throws ClassifierInputException {
        if (matrix.classCount() < 2) {
            throw new ClassifierInputException("All " + matrix.rows() + " records have the label '" + matrix.classLabels().getFirst()
                    + "': training a classifier needs at least two classes");
        }
        final String trainingSetSha256 = matrix.sha256();
        final StratifiedSplit split = StratifiedSplit.of(matrix, settings.validationFraction(), settings.seed());
        final Standardisation standardisation = Standardisation.fit(matrix, split.trainingRows());
        standardisation.applyInPlace(matrix);

        final List<CandidateResult> results = new ArrayList<>();
        // Enum order: the simpler candidate trains first and wins ties.
        for (final ClassifierKind kind : EnumSet.copyOf(settings.candidates())) {
            results.add(CandidateTrainer.train(kind, matrix, split, settings, listener));
        }
        CandidateResult best = results.getFirst();
        for (final CandidateResult result : results) {
            if (settings.selectionMetric().of(result.validation()) > settings.selectionMetric().of(best.validation())) {
                best = result;
            }
        }
        final NormalizerStandardize normalizer = standardisation.toNormalizer();
        final List<CandidateSummary> summaries = results.stream().map(CandidateSummary::of).toList();
        final int[] counts = matrix.classCounts();
        final Map<String, Integer> classRecordCounts = new LinkedHashMap<>();
        for (int index = 0; index < counts.length; index++) {
            classRecordCounts.put(matrix.classLabels().get(index), counts[index]);
        }
        final ArtifactMetadata metadata = new ArtifactMetadata(ArtifactMetadata.FORMAT, ArtifactMetadata.CURRENT_VERSION, matrix.classLabels(),
                matrix.columns(), source.model(), source.layer(), best.kind().id(), settings.selectionMetric(), summaries,
                split.trainingRows().length, split.validationRows().length, trainingSetSha256, settings.seed(), Instant.now().toString(), settings,
                classRecordCounts, completeness);
        return new TrainedClassifier(best.network(), normalizer, metadata, best.validation(), List.copyOf(results));
    }
}

package dev.nificnn.classifier;

/**
 * A candidate's validation scores as stored in the artifact metadata and the evaluation report.
 *
 * @param name the candidate kind's id
 * @param validationAccuracy share of validation rows classified correctly
 * @param validationMacroF1 unweighted mean F1 over classes
 * @param validationLoss mean cross-entropy on validation rows
 * @param epochs epochs run
 * @param bestEpoch epoch whose parameters were kept
 * @param trainingMillis wall time spent training
 */
public record CandidateSummary(String name, double validationAccuracy, double validationMacroF1, double validationLoss, int epochs, int bestEpoch,
                               long trainingMillis) {

    static CandidateSummary of(final CandidateResult result) {
        return new CandidateSummary(result.kind().id(), result.validation().accuracy(), result.validation().macroF1(), result.validationLoss(),
                result.epochs(), result.bestEpoch(), result.trainingMillis());
    }
}

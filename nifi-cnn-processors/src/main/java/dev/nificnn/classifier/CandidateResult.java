package dev.nificnn.classifier;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * One trained candidate with its validation figures.
 *
 * @param kind the candidate's kind
 * @param network the network, restored to the epoch with the lowest validation loss
 * @param validation the validation report of that network
 * @param validationLoss mean cross-entropy on the validation rows
 * @param epochs epochs run before early stopping
 * @param bestEpoch 1-based epoch with the lowest validation loss
 * @param trainingMillis wall time spent training this candidate
 */
public record CandidateResult(ClassifierKind kind, MultiLayerNetwork network, ClassificationReport validation, double validationLoss,
                              int epochs, int bestEpoch, long trainingMillis) {
}

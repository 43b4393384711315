package dev.nificnn.classifier;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerStandardize;

import java.util.List;

/**
 * The outcome of a training run: the selected network, its normaliser, its metadata and every candidate's validation results.
 *
 * @param network the selected network
 * @param normalizer the standardisation fitted on the training rows
 * @param metadata what goes into the artifact's JSON entry
 * @param validation the selected network's validation report
 * @param candidates all candidates in training order
 */
public record TrainedClassifier(MultiLayerNetwork network, NormalizerStandardize normalizer, ArtifactMetadata metadata,
                                ClassificationReport validation, List<CandidateResult> candidates) {
}

package dev.nificnn.classifier;

import java.util.List;
import java.util.Set;

/**
 * Everything that determines a training run besides the records themselves.
 *
 * @param candidates which classifiers to train and compare
 * @param hiddenLayerSizes units of each hidden layer of the multilayer perceptron
 * @param dropoutRate probability of dropping a hidden unit while training the multilayer perceptron (0 = none)
 * @param l2 L2 weight penalty of every candidate
 * @param learningRate Adam learning rate
 * @param maximumEpochs most passes over the training rows
 * @param patience epochs without a lower validation loss before training stops
 * @param batchSize rows per gradient step
 * @param validationFraction share of each class held out for validation
 * @param selectionMetric what picks the winner
 * @param seed seeds the split, the shuffling, weight initialisation and dropout
 */
public record TrainingSettings(
        Set<ClassifierKind> candidates,
        List<Integer> hiddenLayerSizes,
        double dropoutRate,
        double l2,
        double learningRate,
        int maximumEpochs,
        int patience,
        int batchSize,
        double validationFraction,
        SelectionMetric selectionMetric,
        long seed) {

    public TrainingSettings {
        candidates = Set.copyOf(candidates);
        hiddenLayerSizes = List.copyOf(hiddenLayerSizes);
        if (candidates.isEmpty()) {
            throw new IllegalArgumentException("At least one candidate classifier is needed");
        }
        if (dropoutRate < 0 || dropoutRate >= 1) {
            throw new IllegalArgumentException("Dropout rate must be in [0, 1): " + dropoutRate);
        }
        if (maximumEpochs < 1 || patience < 1 || batchSize < 1) {
            throw new IllegalArgumentException("Epochs, patience and batch size must be positive");
        }
        for (final Integer size : hiddenLayerSizes) {
            if (size < 1) {
                throw new IllegalArgumentException("Hidden layer sizes must be positive: " + hiddenLayerSizes);
            }
        }
    }

    /** The processor's defaults: both candidates, one hidden layer of 256, dropout 0.2, L2 1e-4, Adam 1e-3, batch 256, 10% validation. */
    public static TrainingSettings defaults() {
        return new TrainingSettings(Set.of(ClassifierKind.SOFTMAX_REGRESSION, ClassifierKind.MULTILAYER_PERCEPTRON), List.of(256),
                0.2, 1e-4, 1e-3, 50, 5, 256, 0.1, SelectionMetric.ACCURACY, 42L);
    }

    public TrainingSettings withCandidates(final Set<ClassifierKind> newCandidates) {
        return new TrainingSettings(newCandidates, hiddenLayerSizes, dropoutRate, l2, learningRate, maximumEpochs, patience, batchSize,
                validationFraction, selectionMetric, seed);
    }

    public TrainingSettings withEpochs(final int newMaximumEpochs, final int newPatience) {
        return new TrainingSettings(candidates, hiddenLayerSizes, dropoutRate, l2, learningRate, newMaximumEpochs, newPatience, batchSize,
                validationFraction, selectionMetric, seed);
    }

    public TrainingSettings withBatchSize(final int newBatchSize) {
        return new TrainingSettings(candidates, hiddenLayerSizes, dropoutRate, l2, learningRate, maximumEpochs, patience, newBatchSize,
                validationFraction, selectionMetric, seed);
    }

    public TrainingSettings withLearningRate(final double newLearningRate) {
        return new TrainingSettings(candidates, hiddenLayerSizes, dropoutRate, l2, newLearningRate, maximumEpochs, patience, batchSize,
                validationFraction, selectionMetric, seed);
    }

    public TrainingSettings withHiddenLayers(final List<Integer> newHiddenLayerSizes, final double newDropoutRate) {
        return new TrainingSettings(candidates, newHiddenLayerSizes, newDropoutRate, l2, learningRate, maximumEpochs, patience, batchSize,
                validationFraction, selectionMetric, seed);
    }

    public TrainingSettings withSeed(final long newSeed) {
        return new TrainingSettings(candidates, hiddenLayerSizes, dropoutRate, l2, learningRate, maximumEpochs, patience, batchSize,
                validationFraction, selectionMetric, newSeed);
    }
}

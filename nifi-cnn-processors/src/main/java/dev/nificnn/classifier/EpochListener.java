package dev.nificnn.classifier;

/** Hears of each finished training epoch, so that a long training run can show its progress. */
@FunctionalInterface
public interface EpochListener {

    EpochListener NONE = (kind, epoch, maximumEpochs, validationLoss, validationAccuracy) -> {
    };

    /**
     * Called on the training thread after every epoch.
     *
     * @param kind the candidate being trained
     * @param epoch the epoch just finished, from 1
     * @param maximumEpochs the most epochs this candidate may run (early stopping usually ends sooner)
     * @param validationLoss mean negative log-likelihood on the validation rows
     * @param validationAccuracy accuracy on the validation rows, 0 to 1
     */
    void epochDone(ClassifierKind kind, int epoch, int maximumEpochs, double validationLoss, double validationAccuracy);
}

package dev.nificnn.classifier;

import java.util.ArrayList;
import java.util.List;

/**
 * Accuracy, per-class precision, recall and F1, macro F1 and the confusion matrix of predictions against true classes.
 *
 * @param labels class labels in index order
 * @param confusionMatrix counts, row = true class, column = predicted class
 * @param accuracy share of correct predictions
 * @param macroF1 unweighted mean of the per-class F1 scores
 * @param classes per-class figures in index order
 */
public record ClassificationReport(List<String> labels, long[][] confusionMatrix, double accuracy, double macroF1, List<ClassMetrics> classes) {

    /**
     * One class's figures; a class never predicted has precision 0, a class with no examples has recall 0 (as scikit-learn's zero_division=0).
     *
     * @param label the class label
     * @param precision correct predictions of this class / predictions of this class
     * @param recall correct predictions of this class / examples of this class
     * @param f1 harmonic mean of precision and recall
     * @param support examples of this class
     */
    public record ClassMetrics(String label, double precision, double recall, double f1, long support) {
    }

    /** Computes the report from true and predicted class indexes. */
    public static ClassificationReport of(final int[] actual, final int[] predicted, final List<String> labels) {
        if (actual.length != predicted.length) {
            throw new IllegalArgumentException("Actual and predicted counts differ: " + actual.length + " vs " + predicted.length);
        }
        final int classCount = labels.size();
        final long[][] confusion = new long[classCount][classCount];
        long correct = 0;
        for (int index = 0; index < actual.length; index++) {
            confusion[actual[index]][predicted[index]]++;
            if (actual[index] == predicted[index]) {
                correct++;
            }
        }
        final List<ClassMetrics> classes = new ArrayList<>(classCount);
        double f1Sum = 0;
        for (int classIndex = 0; classIndex < classCount; classIndex++) {
            long predictedCount = 0;
            long support = 0;
            for (int other = 0; other < classCount; other++) {
                predictedCount += confusion[other][classIndex];
                support += confusion[classIndex][other];
            }
            final long truePositives = confusion[classIndex][classIndex];
            final double precision = predictedCount == 0 ? 0 : (double) truePositives / predictedCount;
            final double recall = support == 0 ? 0 : (double) truePositives / support;
            final double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            f1Sum += f1;
            classes.add(new ClassMetrics(labels.get(classIndex), precision, recall, f1, support));
        }
        final double accuracy = actual.length == 0 ? 0 : (double) correct / actual.length;
        return new ClassificationReport(List.copyOf(labels), confusion, accuracy, classCount == 0 ? 0 : f1Sum / classCount, List.copyOf(classes));
    }
}

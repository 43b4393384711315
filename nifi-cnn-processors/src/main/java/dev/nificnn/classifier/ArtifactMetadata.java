package dev.nificnn.classifier;

import java.util.List;
import java.util.Map;

/**
 * The JSON metadata entry of a classifier artifact: what the network expects and how it was made.
 *
 * @param format artifact format name, always {@link #FORMAT}
 * @param formatVersion artifact format version
 * @param labels class labels in the network's output order
 * @param featureLength length of the feature vectors the network takes
 * @param featureModel id of the model that produced the features (e.g. squeezenet1.1), or null when the records did not say
 * @param featureLayer layer of that model the features come from, or null when the records did not say
 * @param selectedClassifier id of the winning candidate kind
 * @param selectionMetric the metric that picked it
 * @param candidates every candidate's validation scores
 * @param trainingRecords rows used for fitting
 * @param validationRecords rows held out for validation
 * @param trainingSetSha256 SHA-256 over the labels and raw (unstandardised) features of all records
 * @param seed the training seed
 * @param createdAt ISO-8601 instant of creation
 * @param settings the complete training settings
 * @param classRecordCounts records of each class in the whole training set (fitting and validation rows), in label order;
 *     null in artifacts written before it was recorded
 * @param trainingSet how complete the training set was when training started; null in artifacts written before it was recorded
 */
public record ArtifactMetadata(String format, int formatVersion, List<String> labels, int featureLength, String featureModel, String featureLayer,
                               String selectedClassifier, SelectionMetric selectionMetric, List<CandidateSummary> candidates, int trainingRecords,
                               int validationRecords, String trainingSetSha256, long seed, String createdAt, TrainingSettings settings,
                               Map<String, Integer> classRecordCounts, TrainingSetCompleteness trainingSet) {

    /** Marks a file as a nifi-cnn classifier artifact. */
    public static final String FORMAT = "nifi-cnn-classifier";
    public static final int CURRENT_VERSION = 1;
}

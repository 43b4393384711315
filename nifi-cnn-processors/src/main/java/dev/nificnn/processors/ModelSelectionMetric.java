package dev.nificnn.processors;

import dev.nificnn.classifier.SelectionMetric;
import org.apache.nifi.components.DescribedValue;

/** The validation score by which TrainImageClassifier picks the winning candidate. */
public enum ModelSelectionMetric implements DescribedValue {
    ACCURACY("Accuracy", "Share of validation records classified correctly", SelectionMetric.ACCURACY),
    MACRO_F1("Macro F1", "Unweighted mean of the per-class F1 scores: favours models that do well on rare classes too", SelectionMetric.MACRO_F1);

    private final String displayName;
    private final String description;
    private final SelectionMetric metric;

    ModelSelectionMetric(final String displayName, final String description, final SelectionMetric metric) {
        this.displayName = displayName;
        this.description = description;
        this.metric = metric;
    }

    @Override
    public String getValue() {
        return name();
    }

    @Override
    public String getDisplayName() {
        return displayName;
    }

    @Override
    public String getDescription() {
        return description;
    }

    SelectionMetric metric() {
        return metric;
    }
}

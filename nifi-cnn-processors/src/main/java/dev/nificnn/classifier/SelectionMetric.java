package dev.nificnn.classifier;

/** The validation score that picks the winning candidate. */
public enum SelectionMetric {
    ACCURACY,
    MACRO_F1;

    /** Returns this metric's value in a validation report. */
    public double of(final ClassificationReport report) {
        return this == ACCURACY ? report.accuracy() : report.macroF1();
    }
}

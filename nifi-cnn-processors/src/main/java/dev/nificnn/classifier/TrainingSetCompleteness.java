package dev.nificnn.classifier;

/**
 * How much of the expected training set a training run had: said in the artifact, the report and the trainer's attributes, so
 * that a model trained on part of a set is never mistaken for one trained on all of it.
 *
 * @param setId the training set's id (for example the dataset listing's id), or null when the records did not say
 * @param expectedInputs images the set was announced to have (0 when no count was announced)
 * @param records feature records trained on (fitting and validation rows)
 * @param failedInputs images of the set that failed upstream and so have no record
 * @param complete whether records + failed inputs reached the expected count
 * @param trigger what started the training: {@link #TRIGGER_COUNT_REACHED}, {@link #TRIGGER_TIMEOUT} or {@link #TRIGGER_SINGLE_FLOWFILE}
 */
public record TrainingSetCompleteness(String setId, long expectedInputs, long records, long failedInputs, boolean complete, String trigger) {

    /** Every announced image arrived, as a record or as a failure. */
    public static final String TRIGGER_COUNT_REACHED = "count-reached";
    /** The set stayed incomplete for longer than the operator's time-out. */
    public static final String TRIGGER_TIMEOUT = "timeout";
    /** One FlowFile held the whole set (no count announced). */
    public static final String TRIGGER_SINGLE_FLOWFILE = "single-flowfile";

    /** A set given whole in one FlowFile: complete by definition, nothing announced. */
    public static TrainingSetCompleteness singleFlowFile(final long records) {
        return new TrainingSetCompleteness(null, records, records, 0, true, TRIGGER_SINGLE_FLOWFILE);
    }

    /** Returns the records and failures still missing from the announced count (0 when complete). */
    public long missingInputs() {
        return Math.max(0, expectedInputs - records - failedInputs);
    }
}

package dev.nificnn.processors;

/**
 * The names of the record fields the bundle writes, and of the JSON that ClassifyImage writes as content: one name per idea,
 * the same in feature records, scored records and classification JSON.
 */
public final class RecordFields {

    /** A feature record (ExtractImageFeatures): the vector, the image's class, its source and what produced the vector. */
    public static final String FEATURES = "features";
    public static final String LABEL = "label";
    public static final String SOURCE = "source";
    /** The folder the image was read from (its absolute.path attribute), so that a flow can fetch the image again, e.g. for review. */
    public static final String SOURCE_DIRECTORY = "source_directory";
    public static final String MODEL = "model";
    public static final String LAYER = "layer";

    /** A prediction added to a scored record (ScoreImageClassifier). */
    public static final String PREDICTED_LABEL = "predicted_label";
    public static final String PREDICTED_INDEX = "predicted_index";
    public static final String PREDICTED_SCORE = "predicted_score";
    /** Why a scored record was sent to review (only in records routed to review). */
    public static final String REVIEW_REASON = "review_reason";

    /** The top K classes, best first, each {label, index, score}: in scored records, in ClassifyImage's JSON and in cnn.top.k. */
    public static final String TOP_K = "top_k";
    public static final String INDEX = "index";
    public static final String SCORE = "score";

    /** ClassifyImage's JSON content: the model and provider beside label, index, score and top_k. */
    public static final String PROVIDER = "provider";

    private RecordFields() {
    }
}

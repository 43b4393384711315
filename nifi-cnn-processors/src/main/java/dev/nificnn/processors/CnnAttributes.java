package dev.nificnn.processors;

import java.util.Locale;

/**
 * Every {@code cnn.*} attribute the bundle writes or reads, named once. {@code cnn.label} is always a class name (a prediction);
 * the class a dataset gives an image is {@code cnn.dataset.label}, so that it survives classification for comparison.
 */
public final class CnnAttributes {

    /** Why a FlowFile went to failure. */
    public static final String ERROR = "cnn.error";

    /** The predicted class name, its index in the model's classes, its score (probability 0..1) and the top K as JSON. */
    public static final String LABEL = "cnn.label";
    public static final String LABEL_INDEX = "cnn.label.index";
    public static final String SCORE = "cnn.score";
    public static final String TOP_K = "cnn.top.k";

    /** What ran the model: the model id (manifest name and SHA-256 prefix), the active execution provider, the layer read. */
    public static final String MODEL_ID = "cnn.model.id";
    public static final String PROVIDER = "cnn.provider";
    public static final String LAYER = "cnn.layer";
    public static final String FEATURE_LENGTH = "cnn.feature.length";

    /** Per batch of an inference processor. */
    public static final String BATCH_SIZE = "cnn.batch.size";
    public static final String BATCH_WAIT_MILLISECONDS = "cnn.batch.wait.ms";
    public static final String PREPARE_MILLISECONDS = "cnn.prepare.ms";
    public static final String INFERENCE_MILLISECONDS = "cnn.inference.ms";
    public static final String GPU_MEMORY_MEBIBYTES = "cnn.gpu.memory.mib";

    /** What PrepareImage and UnpackImageDataset wrote. */
    public static final String IMAGE_ORIGINAL_WIDTH = "cnn.image.original.width";
    public static final String IMAGE_ORIGINAL_HEIGHT = "cnn.image.original.height";
    public static final String IMAGE_WIDTH = "cnn.image.width";
    public static final String IMAGE_HEIGHT = "cnn.image.height";
    public static final String IMAGE_FORMAT = "cnn.image.format";
    public static final String TENSOR_SHAPE = "cnn.tensor.shape";
    public static final String TENSOR_TYPE = "cnn.tensor.type";

    /** The dataset an image came from (ListImageDataset, UnpackImageDataset) and the class it gives the image. */
    public static final String DATASET_ID = "cnn.dataset.id";
    public static final String DATASET_SIZE = "cnn.dataset.size";
    public static final String DATASET_CLASSES = "cnn.dataset.classes";
    public static final String DATASET_INDEX = "cnn.dataset.index";
    public static final String DATASET_LABEL = "cnn.dataset.label";
    public static final String DATASET_LABEL_INDEX = "cnn.dataset.label.index";
    public static final String DATASET_FORMAT = "cnn.dataset.format";
    public static final String DATASET_COUNT = "cnn.dataset.count";

    /** A trained classifier and its reports (TrainImageClassifier). */
    public static final String ACCURACY = "cnn.accuracy";
    public static final String MACRO_F1 = "cnn.macro.f1";
    public static final String MODEL_SELECTED = "cnn.model.selected";
    public static final String REPORT_TYPE = "cnn.report.type";
    public static final String CLASS_COUNT = "cnn.class.count";

    /** What a training run was trained on, and how complete that set was. */
    public static final String TRAINING_SET_ID = "cnn.training.set.id";
    public static final String TRAINING_RECORDS = "cnn.training.records";
    public static final String TRAINING_EXPECTED = "cnn.training.expected";
    public static final String TRAINING_FAILED_IMAGES = "cnn.training.failed.images";
    public static final String TRAINING_COMPLETE = "cnn.training.complete";
    public static final String TRAINING_TRIGGER = "cnn.training.trigger";
    public static final String TRAINING_CLASS_COUNTS = "cnn.training.class.counts";

    /** A prediction sent to review (ClassifyImage, ScoreImageClassifier): why, and the gap between its top two classes. */
    public static final String REVIEW_REASON = "cnn.review.reason";
    public static final String REVIEW_MARGIN = "cnn.review.margin";

    private CnnAttributes() {
    }

    /** The one way a score (or an accuracy) is written to an attribute: six decimals, a dot as separator, e.g. 0.941230. */
    public static String score(final double value) {
        return String.format(Locale.ROOT, "%.6f", value);
    }

    /** A score as a JSON or record number, rounded like {@link #score(double)}. */
    public static double roundedScore(final double value) {
        return Math.round(value * 1_000_000d) / 1_000_000d;
    }
}

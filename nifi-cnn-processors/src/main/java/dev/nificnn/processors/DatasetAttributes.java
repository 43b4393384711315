package dev.nificnn.processors;

/**
 * Attributes that say which dataset listing an image belongs to and how large that listing is: ListImageDataset writes them,
 * ExtractImageFeatures' record FlowFiles keep them (they are common to every image of a batch), TrainImageClassifier reads them.
 */
final class DatasetAttributes {

    static final String SET_ID = "cnn.dataset.id";
    static final String SET_SIZE = "cnn.dataset.size";
    static final String SET_CLASSES = "cnn.dataset.classes";
    static final String SET_INDEX = "cnn.dataset.index";
    static final String LABEL = "cnn.dataset.label";

    private DatasetAttributes() {
    }
}

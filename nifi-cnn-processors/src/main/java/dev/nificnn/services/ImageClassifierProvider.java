package dev.nificnn.services;

import dev.nificnn.classifier.ClassifierModel;
import dev.nificnn.onnx.ModelUnavailableException;
import org.apache.nifi.controller.ControllerService;

import java.util.List;

/** Provides the current trained image classifier (a DL4J network over CNN features) to scoring processors. */
public interface ImageClassifierProvider extends ControllerService {

    /**
     * Returns the classifier to score with now. A caller should take it once per FlowFile and score all its records with it:
     * a newer artifact may replace it for later calls, but the returned model stays usable.
     *
     * @throws ModelUnavailableException when the service is not enabled, or is being disabled
     */
    ClassifierModel getClassifier();

    /** Returns the class labels of the current classifier, in output order. */
    default List<String> getLabels() {
        return getClassifier().labels();
    }

    /** Returns the feature vector length of the current classifier. */
    default int getFeatureLength() {
        return getClassifier().featureLength();
    }
}

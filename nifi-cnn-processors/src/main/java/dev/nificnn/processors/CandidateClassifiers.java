package dev.nificnn.processors;

import dev.nificnn.classifier.ClassifierKind;
import org.apache.nifi.components.DescribedValue;

import java.util.EnumSet;
import java.util.Set;

/** Which classifiers TrainImageClassifier trains and compares. */
public enum CandidateClassifiers implements DescribedValue {
    ALL("Softmax Regression and Multilayer Perceptron", "Trains both and keeps the one with the better validation score",
            EnumSet.of(ClassifierKind.SOFTMAX_REGRESSION, ClassifierKind.MULTILAYER_PERCEPTRON)),
    SOFTMAX_REGRESSION("Softmax Regression", "Multinomial logistic regression only: fastest, often enough on good CNN features",
            EnumSet.of(ClassifierKind.SOFTMAX_REGRESSION)),
    MULTILAYER_PERCEPTRON("Multilayer Perceptron", "ReLU hidden layers with dropout and a softmax output only",
            EnumSet.of(ClassifierKind.MULTILAYER_PERCEPTRON));

    private final String displayName;
    private final String description;
    private final Set<ClassifierKind> kinds;

    CandidateClassifiers(final String displayName, final String description, final Set<ClassifierKind> kinds) {
        this.displayName = displayName;
        this.description = description;
        this.kinds = kinds;
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

    Set<ClassifierKind> kinds() {
        return kinds;
    }
}

package dev.nificnn.classifier;

/** The kinds of candidate classifier the trainer can fit on feature vectors. */
public enum ClassifierKind {
    /** Multinomial logistic regression: one dense softmax layer. */
    SOFTMAX_REGRESSION("softmax-regression"),
    /** Fully connected ReLU hidden layers with dropout, then a softmax layer. */
    MULTILAYER_PERCEPTRON("multilayer-perceptron");

    private final String id;

    ClassifierKind(final String id) {
        this.id = id;
    }

    /** Returns the name used in artifacts, reports and the {@code cnn.model.selected} attribute. */
    public String id() {
        return id;
    }
}

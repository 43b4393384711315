package dev.nificnn.classifier;

/** Signals training or scoring input that cannot be used; the message is operator-facing and goes to {@code cnn.error}. */
public class ClassifierInputException extends Exception {

    public ClassifierInputException(final String message) {
        super(message);
    }

    public ClassifierInputException(final String message, final Throwable cause) {
        super(message, cause);
    }
}

package dev.nificnn.classifier;

/** Signals a file that is not a readable nifi-cnn classifier artifact; the message is operator-facing. */
public class ArtifactFormatException extends Exception {

    public ArtifactFormatException(final String message) {
        super(message);
    }

    public ArtifactFormatException(final String message, final Throwable cause) {
        super(message, cause);
    }
}

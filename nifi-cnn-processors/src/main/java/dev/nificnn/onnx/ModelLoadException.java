package dev.nificnn.onnx;

/** A model that cannot be loaded or does not match what its manifest says; the message is operator-facing. */
public class ModelLoadException extends Exception {

    public ModelLoadException(final String message) {
        super(message);
    }

    public ModelLoadException(final String message, final Throwable cause) {
        super(message, cause);
    }
}

package dev.nificnn.onnx;

/** An input (image or tensor file) that cannot be fed to a model; the message is operator-facing and goes to cnn.error. */
public class InvalidInputException extends Exception {

    public InvalidInputException(final String message) {
        super(message);
    }

    public InvalidInputException(final String message, final Throwable cause) {
        super(message, cause);
    }
}

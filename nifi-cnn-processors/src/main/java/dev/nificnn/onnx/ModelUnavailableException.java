package dev.nificnn.onnx;

/**
 * The model cannot be leased because its service is disabled or being disabled: nothing is wrong with the images, and a
 * processor returns them to the queue. A dedicated type, so that no other illegal state is mistaken for it.
 */
public final class ModelUnavailableException extends IllegalStateException {

    public ModelUnavailableException(final String message) {
        super(message);
    }
}

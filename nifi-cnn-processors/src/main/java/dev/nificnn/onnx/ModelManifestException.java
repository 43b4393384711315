package dev.nificnn.onnx;

/** A model manifest that cannot be read, or a model that does not match its manifest; the message is operator-facing. */
public class ModelManifestException extends ModelLoadException {

    public ModelManifestException(final String message) {
        super(message);
    }

    public ModelManifestException(final String message, final Throwable cause) {
        super(message, cause);
    }
}

package dev.nificnn.image;

/** Content is not a float32 little-endian {@code .npy} array that this project can read. */
public class NpyFormatException extends Exception {

    public NpyFormatException(final String message) {
        super(message);
    }
}

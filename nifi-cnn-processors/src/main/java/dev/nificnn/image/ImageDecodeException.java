package dev.nificnn.image;

/** An image could not be decoded or prepared; the message is written for the operator and ends up in {@code cnn.error}. */
public class ImageDecodeException extends Exception {

    public ImageDecodeException(final String message) {
        super(message);
    }

    public ImageDecodeException(final String message, final Throwable cause) {
        super(message, cause);
    }
}

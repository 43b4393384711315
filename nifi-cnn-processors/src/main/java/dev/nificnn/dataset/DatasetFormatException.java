package dev.nificnn.dataset;

/**
 * A dataset file that does not follow its format (wrong magic number, truncated, inconsistent counts or sizes).
 * <p>
 * The message is written for a NiFi operator: it ends up in the {@code cnn.error} attribute.
 */
public class DatasetFormatException extends Exception {

    private static final long serialVersionUID = 1L;

    public DatasetFormatException(final String message) {
        super(message);
    }

    public DatasetFormatException(final String message, final Throwable cause) {
        super(message, cause);
    }
}

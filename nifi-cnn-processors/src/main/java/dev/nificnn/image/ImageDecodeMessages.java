package dev.nificnn.image;

import javax.imageio.IIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The wording of every refusal the decoder reports: operators read it in {@code cnn.error}, and tests assert it word for word. */
final class ImageDecodeMessages {

    static final String EMPTY_CONTENT = "Content is empty: there is no image to decode";
    static final String TRUNCATED_JPEG = "JPEG content is truncated: the end-of-image marker is missing";

    private static final String SUPPORTED_FORMATS = "supported formats are JPEG, PNG, GIF, BMP, TIFF and WebP";

    private ImageDecodeMessages() {
    }

    /** Content whose first bytes match no supported format: names the format it is when known, else shows its start. */
    static String unrecognised(final byte[] content) {
        final String known = ImageFormat.describeUnsupported(content);
        if (known != null) {
            return "Unsupported image format: content is " + known + "; " + SUPPORTED_FORMATS;
        }
        if (looksLikeText(content)) {
            final String start = new String(content, 0, Math.min(content.length, 40), StandardCharsets.UTF_8).strip().replaceAll("\\s+", " ");
            return "Content is text, not an image (starts with \"" + start + "\")";
        }
        final StringBuilder hex = new StringBuilder();
        for (int i = 0; i < Math.min(content.length, 8); i++) {
            hex.append(String.format("%02x ", content[i] & 0xff));
        }
        return "Content is not a recognised image format (first bytes " + hex.toString().strip() + "); " + SUPPORTED_FORMATS;
    }

    static String noReader(final ImageFormat format) {
        return "No ImageIO reader is installed for " + format + " images";
    }

    static String noFrames(final ImageFormat format) {
        return format + " content holds no image frames";
    }

    static String overPixelLimit(final ImageFormat format, final int width, final int height, final long maxPixels) {
        return format + " image declares " + width + " x " + height + " = " + (long) width * height
                + " pixels, more than the Maximum Image Pixels limit of " + maxPixels + "; refused before decoding";
    }

    static String emptySize(final ImageFormat format, final int width, final int height) {
        return format + " image declares an empty size of " + width + " x " + height;
    }

    /** A reader failed on the content, which is most often cut short or damaged. */
    static String corrupt(final ImageFormat format, final Throwable error) {
        return format + " content could not be decoded (truncated or corrupt?): " + describe(error);
    }

    /** The fallback reader failed where the primary one had already given up. */
    static String undecodable(final ImageFormat format, final Throwable error) {
        return format + " content could not be decoded: " + describe(error);
    }

    static String tooLargeForMemory(final ImageFormat format) {
        return format + " image is too large to decode in the memory available";
    }

    static String truncationWarnings(final ImageFormat format, final List<String> warnings) {
        return format + " content is truncated or corrupt: " + String.join("; ", warnings);
    }

    /** The innermost useful message of {@code error}: ImageIO wraps the reason a plugin gives in messages of its own. */
    private static String describe(final Throwable error) {
        Throwable cause = error;
        while (cause.getCause() != null && cause.getCause() != cause && (cause.getMessage() == null || cause instanceof IIOException && cause.getCause() != null)) {
            cause = cause.getCause();
        }
        final String message = cause.getMessage();
        return message == null || message.isBlank() ? cause.getClass().getSimpleName() : message;
    }

    private static boolean looksLikeText(final byte[] content) {
        final int length = Math.min(content.length, 512);
        for (int i = 0; i < length; i++) {
            final int value = content[i] & 0xff;
            if (value < 0x09 || value > 0x0D && value < 0x20 || value == 0x7F) {
                return false;
            }
        }
        return true;
    }
}

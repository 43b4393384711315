package dev.nificnn.image;

import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import java.util.EnumMap;
import java.util.Map;

/** One thread's ImageIO readers, one per format, kept between images because creating a reader per image is slow. */
final class ImageReaderPool {

    // Readers are not thread-safe: each thread has its own pools.
    private static final ThreadLocal<ImageReaderPool> PRIMARY = ThreadLocal.withInitial(() -> new ImageReaderPool(false));
    private static final ThreadLocal<ImageReaderPool> FALLBACK = ThreadLocal.withInitial(() -> new ImageReaderPool(true));

    private final Map<ImageFormat, ImageReader> readers = new EnumMap<>(ImageFormat.class);
    private final boolean fallback;

    private ImageReaderPool(final boolean fallback) {
        this.fallback = fallback;
    }

    /** This thread's readers tried first for each format. */
    static ImageReaderPool primary() {
        return PRIMARY.get();
    }

    /** This thread's readers tried when the primary JPEG reader cannot decode an image (CMYK, YCCK). */
    static ImageReaderPool fallback() {
        return FALLBACK.get();
    }

    /** True for the pool of fallback readers. */
    boolean isFallback() {
        return fallback;
    }

    /** The reader for {@code format}, created on first use. */
    ImageReader reader(final ImageFormat format) throws ImageDecodeException {
        ImageReader reader = readers.get(format);
        if (reader == null) {
            reader = ImageReaderChoice.choose(format, fallback);
            readers.put(format, reader);
        }
        return reader;
    }

    /** Detaches {@code reader} from the image it read so that it holds on to nothing until the next one. */
    void release(final ImageFormat format, final ImageReader reader, final IIOReadWarningListener warningListener) {
        // A discarded reader is already disposed: the JDK's JPEG reader throws IllegalStateException on any further call.
        if (readers.get(format) == reader) {
            reader.removeIIOReadWarningListener(warningListener);
            reader.setInput(null);
        }
    }

    /** Drops the reader for {@code format}: one that failed may be left in a state that spoils the next image. */
    void discard(final ImageFormat format) {
        final ImageReader reader = readers.remove(format);
        if (reader != null) {
            try {
                reader.dispose();
            } catch (final RuntimeException ignored) {
                // Nothing to recover: the reader is dropped either way.
            }
        }
    }
}

package dev.nificnn.image;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import java.util.Iterator;

/** Chooses the ImageIO reader for a format among the installed plugins. */
final class ImageReaderChoice {

    private ImageReaderChoice() {
    }

    /** Makes the TwelveMonkeys plugins visible to ImageIO. */
    static void registerPlugins() {
        // In a NiFi NAR the ImageIO registry may have been filled before our class loader was seen.
        final Thread thread = Thread.currentThread();
        final ClassLoader previous = thread.getContextClassLoader();
        try {
            thread.setContextClassLoader(ImageReaderChoice.class.getClassLoader());
            ImageIO.scanForPlugins();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /**
     * For JPEG the JDK's own reader comes first (it is the fastest) and TwelveMonkeys' is the fallback; for the other formats
     * the TwelveMonkeys reader is preferred where one is registered (more TIFF, BMP and WebP variants).
     */
    static ImageReader choose(final ImageFormat format, final boolean fallback) throws ImageDecodeException {
        final boolean preferJdk = format == ImageFormat.JPEG && !fallback;
        final Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format.imageIoName());
        ImageReader chosen = null;
        while (readers.hasNext()) {
            final ImageReader candidate = readers.next();
            if (chosen == null || (preferJdk ? isJdkReader(candidate) : isTwelveMonkeysReader(candidate))) {
                if (chosen != null) {
                    chosen.dispose();
                }
                chosen = candidate;
            } else {
                candidate.dispose();
            }
        }
        if (chosen == null) {
            throw new ImageDecodeException(ImageDecodeMessages.noReader(format));
        }
        return chosen;
    }

    /** True for the readers the JDK ships. */
    static boolean isJdkReader(final ImageReader reader) {
        return reader.getClass().getName().startsWith("com.sun.imageio");
    }

    private static boolean isTwelveMonkeysReader(final ImageReader reader) {
        return reader.getClass().getName().startsWith("com.twelvemonkeys");
    }
}

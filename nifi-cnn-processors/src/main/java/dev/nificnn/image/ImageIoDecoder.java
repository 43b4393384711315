package dev.nificnn.image;

import com.twelvemonkeys.imageio.stream.ByteArrayImageInputStream;

import javax.imageio.IIOException;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;

/** Decodes with this thread's pooled ImageIO readers, refusing damaged content and images over the pixel limit before decoding. */
final class ImageIoDecoder {

    private static final ReadStep<BufferedImage> READ_IMAGE = (reader, parameters) -> reader.read(0, parameters);
    // Only the JDK's reader is known to leave a JPEG's samples as YCbCr in its raster.
    private static final ReadStep<Raster> READ_JDK_RASTER = (reader, parameters) ->
            ImageReaderChoice.isJdkReader(reader) ? reader.readRaster(0, parameters) : null;

    private final PixelLimit pixelLimit;

    ImageIoDecoder(final PixelLimit pixelLimit) {
        this.pixelLimit = pixelLimit;
    }

    /** Decodes {@code content}, as stored (not turned upright). */
    BufferedImage read(final byte[] content, final ImageFormat format) throws ImageDecodeException {
        BufferedImage decoded;
        try {
            decoded = read(content, format, ImageReaderPool.primary(), READ_IMAGE);
        } catch (final FallbackNeededException e) {
            // The JDK's JPEG reader does not decode CMYK or YCCK JPEGs; TwelveMonkeys' reader does (more slowly).
            try {
                decoded = read(content, format, ImageReaderPool.fallback(), READ_IMAGE);
            } catch (final FallbackNeededException unexpected) {
                throw new ImageDecodeException(ImageDecodeMessages.undecodable(format, unexpected.getCause()), unexpected.getCause());
            }
        }
        if (format == ImageFormat.JPEG && !JpegHeader.hasEndOfImageMarker(content)) {
            throw new ImageDecodeException(ImageDecodeMessages.TRUNCATED_JPEG);
        }
        return decoded;
    }

    /**
     * The JDK reader's unconverted raster of a JPEG, its samples still YCbCr, or null when the JDK reader is not the primary
     * JPEG reader or gives up on the image. Skipping the reader's colour conversion and its copy into a BufferedImage saves
     * about a fifth of the decoding time; the resizer converts with libjpeg's own arithmetic.
     */
    Raster readYCbCrRaster(final byte[] content) throws ImageDecodeException {
        final Raster raster;
        try {
            raster = read(content, ImageFormat.JPEG, ImageReaderPool.primary(), READ_JDK_RASTER);
        } catch (final FallbackNeededException e) {
            return null;
        }
        if (!JpegHeader.hasEndOfImageMarker(content)) {
            throw new ImageDecodeException(ImageDecodeMessages.TRUNCATED_JPEG);
        }
        return raster;
    }

    /** What is read once the input is set and the declared size checked: an image or a raster. */
    private interface ReadStep<T> {
        T read(ImageReader reader, ImageReadParam parameters) throws IOException;
    }

    private <T> T read(final byte[] content, final ImageFormat format, final ImageReaderPool readers, final ReadStep<T> step)
            throws ImageDecodeException, FallbackNeededException {
        final ImageReader reader = readers.reader(format);
        final TruncationWarnings warnings = new TruncationWarnings();
        final T decoded;
        try {
            reader.addIIOReadWarningListener(warnings);
            reader.setInput(new ByteArrayImageInputStream(content), false, true);
            checkDeclaredSize(reader, format);
            decoded = step.read(reader, reader.getDefaultReadParam());
        } catch (final ImageDecodeException e) {
            readers.discard(format);
            throw e;
        } catch (final IIOException e) {
            readers.discard(format);
            if (!readers.isFallback() && format == ImageFormat.JPEG && warnings.isEmpty()) {
                throw new FallbackNeededException(e);
            }
            throw new ImageDecodeException(ImageDecodeMessages.corrupt(format, e), e);
        } catch (final IOException | RuntimeException e) {
            readers.discard(format);
            throw new ImageDecodeException(ImageDecodeMessages.corrupt(format, e), e);
        } catch (final OutOfMemoryError e) {
            readers.discard(format);
            throw new ImageDecodeException(ImageDecodeMessages.tooLargeForMemory(format), e);
        } finally {
            readers.release(format, reader, warnings);
        }
        if (!warnings.isEmpty()) {
            throw new ImageDecodeException(ImageDecodeMessages.truncationWarnings(format, warnings.warnings()));
        }
        return decoded;
    }

    private void checkDeclaredSize(final ImageReader reader, final ImageFormat format) throws IOException, ImageDecodeException {
        final int width;
        final int height;
        try {
            width = reader.getWidth(0);
            height = reader.getHeight(0);
        } catch (final IndexOutOfBoundsException e) {
            throw new ImageDecodeException(ImageDecodeMessages.noFrames(format));
        }
        pixelLimit.check(format, width, height);
    }

    /** The primary reader refused an image that the fallback reader may decode. */
    private static final class FallbackNeededException extends Exception {
        FallbackNeededException(final IIOException cause) {
            super(cause);
        }
    }
}

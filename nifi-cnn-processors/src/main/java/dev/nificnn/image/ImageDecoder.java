package dev.nificnn.image;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;

/**
 * Decodes JPEG, PNG, GIF (first frame), BMP, TIFF and WebP content to upright 8-bit RGB, refusing anything damaged,
 * unrecognised or larger than a pixel limit with an {@link ImageDecodeException} that says why.
 * Grey, palette, 16-bit and alpha images become RGB the way Pillow's {@code convert("RGB")} does it (alpha is dropped).
 * Plain YCbCr JPEGs are decoded by libjpeg-turbo where this JVM has it ({@link LibjpegTurbo}), everything else by ImageIO.
 * Thread-safe: each thread keeps its own ImageIO readers.
 */
public final class ImageDecoder {

    /** Default limit on width x height: about 50 megapixels. */
    public static final long DEFAULT_MAX_PIXELS = 50_000_000L;

    static {
        // Once, when the first decoder is made: the writers ImageEncoder finds depend on the registry too.
        ImageReaderChoice.registerPlugins();
    }

    private final PixelLimit pixelLimit;
    private final NativeJpegDecoder nativeJpegDecoder;
    private final ImageIoDecoder imageIoDecoder;

    /**
     * A decoder that refuses images whose header declares more than {@code maxPixels} pixels (width x height), and decodes
     * plain YCbCr JPEGs with libjpeg-turbo when this JVM has it.
     */
    public ImageDecoder(final long maxPixels) {
        this(maxPixels, LibjpegTurbo.decompressor().orElse(null));
    }

    private ImageDecoder(final long maxPixels, final JpegDecompressor jpegDecompressor) {
        this.pixelLimit = new PixelLimit(maxPixels);
        this.nativeJpegDecoder = new NativeJpegDecoder(jpegDecompressor, pixelLimit);
        this.imageIoDecoder = new ImageIoDecoder(pixelLimit);
    }

    /** A decoder that never uses libjpeg-turbo: ImageIO decodes every JPEG (the path a JVM without the library takes). */
    static ImageDecoder withoutLibjpegTurbo(final long maxPixels) {
        return new ImageDecoder(maxPixels, null);
    }

    /** Which decoder plain YCbCr JPEGs get in this JVM and, when it is ImageIO, why; processors log it when scheduled. */
    public static String jpegDecoderStatus() {
        return LibjpegTurbo.status();
    }

    /** The pixel limit of this decoder. */
    public long maxPixels() {
        return pixelLimit.maxPixels();
    }

    /** Decodes {@code content} to an upright RGB image. */
    public DecodedImage decode(final byte[] content) throws ImageDecodeException {
        return decode(content, JpegDraft.NONE);
    }

    /** Decodes {@code content} to an upright RGB image, a JPEG at the reduced size {@code draft} allows when libjpeg-turbo decodes it. */
    public DecodedImage decode(final byte[] content, final JpegDraft draft) throws ImageDecodeException {
        final ImageFormat format = sniff(content);
        final int orientation = ExifOrientation.of(content, format);
        final NativeJpegDecoder.NativeImage nativelyDecoded = nativeJpegDecoder.decode(content, format, orientation, draft);
        if (nativelyDecoded != null) {
            final RgbImage upright = ExifOrientation.apply(nativelyDecoded.image(), orientation);
            return new DecodedImage(upright, format, nativelyDecoded.uprightWidth(), nativelyDecoded.uprightHeight());
        }
        final BufferedImage decoded = imageIoDecoder.read(content, format);
        return new DecodedImage(ExifOrientation.apply(RgbConverter.toRgb(decoded), orientation), format);
    }

    /**
     * Decodes {@code content} and returns its upright pixels, where possible as a view of the decoder's own raster (no copy).
     * The view is valid until the next call on the same thread.
     */
    DecodedPixels decodePixels(final byte[] content) throws ImageDecodeException {
        return decodePixels(content, JpegDraft.NONE);
    }

    /** Like {@link #decodePixels(byte[])}, a JPEG at the reduced size {@code draft} allows when libjpeg-turbo decodes it. */
    DecodedPixels decodePixels(final byte[] content, final JpegDraft draft) throws ImageDecodeException {
        final ImageFormat format = sniff(content);
        final int orientation = ExifOrientation.of(content, format);
        final NativeJpegDecoder.NativeImage nativelyDecoded = nativeJpegDecoder.decode(content, format, orientation, draft);
        if (nativelyDecoded != null) {
            return new DecodedPixels(PixelView.of(ExifOrientation.apply(nativelyDecoded.image(), orientation)), format,
                    nativelyDecoded.uprightWidth(), nativelyDecoded.uprightHeight());
        }
        if (format == ImageFormat.JPEG && orientation == ExifOrientation.UPRIGHT && JpegHeader.isPlainYCbCr(content)) {
            final Raster raster = imageIoDecoder.readYCbCrRaster(content);
            final PixelView view = raster == null ? null : RasterPixelViews.ofYCbCr(raster);
            if (view != null) {
                return new DecodedPixels(view, format);
            }
        }
        final BufferedImage decoded = imageIoDecoder.read(content, format);
        if (orientation == ExifOrientation.UPRIGHT) {
            final PixelView view = RasterPixelViews.ofRgb(decoded);
            if (view != null) {
                return new DecodedPixels(view, format);
            }
        }
        return new DecodedPixels(PixelView.of(ExifOrientation.apply(RgbConverter.toRgb(decoded), orientation)), format);
    }

    /**
     * Upright decoded pixels, their source format and the upright size the source declares (larger than the pixels' when a
     * JPEG was decoded as a draft).
     */
    record DecodedPixels(PixelView pixels, ImageFormat format, int sourceWidth, int sourceHeight) {

        DecodedPixels(final PixelView pixels, final ImageFormat format) {
            this(pixels, format, pixels.width(), pixels.height());
        }
    }

    private static ImageFormat sniff(final byte[] content) throws ImageDecodeException {
        if (content == null || content.length == 0) {
            throw new ImageDecodeException(ImageDecodeMessages.EMPTY_CONTENT);
        }
        final ImageFormat format = ImageFormat.sniff(content);
        if (format == null) {
            throw new ImageDecodeException(ImageDecodeMessages.unrecognised(content));
        }
        return format;
    }
}

package dev.nificnn.image;

/** Decodes plain YCbCr JPEGs with a native decompressor ({@link LibjpegTurbo}) where this JVM has one. */
final class NativeJpegDecoder {

    /** The decompressor, or null to leave every JPEG to ImageIO. */
    private final JpegDecompressor decompressor;
    private final PixelLimit pixelLimit;

    NativeJpegDecoder(final JpegDecompressor decompressor, final PixelLimit pixelLimit) {
        this.decompressor = decompressor;
        this.pixelLimit = pixelLimit;
    }

    /**
     * The pixels of a plain YCbCr JPEG as the decompressor decodes them, or null for anything else and for any JPEG it declines
     * (damaged, over the pixel limit): ImageIO then decodes it or says what is wrong, in the same words with or without the library.
     */
    NativeImage decode(final byte[] content, final ImageFormat format, final int orientation, final JpegDraft draft) {
        if (decompressor == null || format != ImageFormat.JPEG || !JpegHeader.isPlainYCbCr(content) || !JpegHeader.hasEndOfImageMarker(content)) {
            return null;
        }
        // The decompressor sees the stored size; the draft rule and the attributes speak of the upright one.
        final boolean swapsAxes = ExifOrientation.swapsAxes(orientation);
        final int[] stored = new int[2];
        final RgbImage image = decompressor.decompress(content, pixelLimit.maxPixels(), (width, height) -> {
            stored[0] = width;
            stored[1] = height;
            return swapsAxes ? draft.denominator(height, width) : draft.denominator(width, height);
        });
        if (image == null) {
            return null;
        }
        return swapsAxes ? new NativeImage(image, stored[1], stored[0]) : new NativeImage(image, stored[0], stored[1]);
    }

    /** A natively decoded image as stored (not yet turned upright) and the upright size the JPEG declares. */
    record NativeImage(RgbImage image, int uprightWidth, int uprightHeight) {
    }
}

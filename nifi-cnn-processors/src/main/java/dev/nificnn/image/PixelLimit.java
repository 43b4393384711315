package dev.nificnn.image;

/** The most pixels (width x height) an image may declare, checked against its header before any pixel is decoded. */
record PixelLimit(long maxPixels) {

    PixelLimit {
        if (maxPixels < 1) {
            throw new IllegalArgumentException("Maximum pixels must be positive, not " + maxPixels);
        }
    }

    /** Refuses a declared size over the limit (a small file may declare a huge image) or without pixels. */
    void check(final ImageFormat format, final int width, final int height) throws ImageDecodeException {
        if ((long) width * height > maxPixels) {
            throw new ImageDecodeException(ImageDecodeMessages.overPixelLimit(format, width, height, maxPixels));
        }
        if (width < 1 || height < 1) {
            throw new ImageDecodeException(ImageDecodeMessages.emptySize(format, width, height));
        }
    }
}

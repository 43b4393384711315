package dev.nificnn.image;

/**
 * Read-only view of 8-bit interleaved pixels in someone else's byte array (an {@link RgbImage}, or the raster of a decoded
 * BufferedImage), so that resizing can read decoded pixels where the decoder left them instead of copying them first.
 *
 * @param data           the bytes
 * @param offset         index of the first sample of the top-left pixel
 * @param width          width in pixels
 * @param height         height in pixels
 * @param scanlineStride bytes from one row to the next
 * @param pixelStride    bytes from one pixel to the next
 * @param redOffset      offset of the red sample within a pixel
 * @param greenOffset    offset of the green sample within a pixel
 * @param blueOffset     offset of the blue sample within a pixel
 * @param ycbcr          true when the three samples are JPEG YCbCr (luma at redOffset, Cb at greenOffset, Cr at blueOffset)
 *                       still to be turned into RGB with {@link JpegColor}, which the resizer does while it reads them
 */
record PixelView(byte[] data, int offset, int width, int height, int scanlineStride, int pixelStride, int redOffset, int greenOffset, int blueOffset,
                 boolean ycbcr) {

    /** A view of RGB samples. */
    PixelView(final byte[] data, final int offset, final int width, final int height, final int scanlineStride, final int pixelStride,
              final int redOffset, final int greenOffset, final int blueOffset) {
        this(data, offset, width, height, scanlineStride, pixelStride, redOffset, greenOffset, blueOffset, false);
    }

    static PixelView of(final RgbImage image) {
        return new PixelView(image.pixels(), 0, image.width(), image.height(), 3 * image.width(), 3, 0, 1, 2);
    }
}

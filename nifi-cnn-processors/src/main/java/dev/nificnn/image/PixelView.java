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
 */
record PixelView(byte[] data, int offset, int width, int height, int scanlineStride, int pixelStride, int redOffset, int greenOffset, int blueOffset) {

    static PixelView of(final RgbImage image) {
        return new PixelView(image.pixels(), 0, image.width(), image.height(), 3 * image.width(), 3, 0, 1, 2);
    }
}

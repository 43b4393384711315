package dev.nificnn.image;

/**
 * An 8-bit RGB image held as interleaved bytes, row after row, three bytes (red, green, blue) per pixel.
 *
 * @param width  width in pixels
 * @param height height in pixels
 * @param pixels {@code 3 * width * height} bytes, unsigned
 */
public record RgbImage(int width, int height, byte[] pixels) {

    public RgbImage {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("Image size must be positive, not " + width + " x " + height);
        }
        if (pixels.length != 3L * width * height) {
            throw new IllegalArgumentException("An RGB image of " + width + " x " + height + " needs " + 3L * width * height + " bytes, not " + pixels.length);
        }
    }

    /** Returns channel {@code channel} (0 red, 1 green, 2 blue) of the pixel at column x, row y, as 0..255. */
    public int sample(final int x, final int y, final int channel) {
        return pixels[(y * width + x) * 3 + channel] & 0xff;
    }
}

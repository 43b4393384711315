package dev.nificnn.image;

/**
 * JPEG's YCbCr to RGB conversion with exactly the fixed-point arithmetic of libjpeg's {@code ycc_rgb_convert} (16 fraction
 * bits, the rounding half folded into the green term), which the JDK's JPEG reader runs when it decodes to RGB; applying it to
 * the reader's unconverted raster therefore gives the same bytes as its BufferedImage.
 */
final class JpegColor {

    private static final int SCALE_BITS = 16;
    private static final int ONE_HALF = 1 << (SCALE_BITS - 1);
    /** libjpeg's FIX(x) = (int) (x * 65536 + 0.5) of 1.40200, 1.77200, 0.71414 and 0.34414. */
    private static final int CR_TO_RED = 91_881;
    private static final int CB_TO_BLUE = 116_130;
    private static final int CR_TO_GREEN = 46_802;
    private static final int CB_TO_GREEN = 22_554;

    private JpegColor() {
    }

    /**
     * Converts {@code count} pixels held as three int arrays in place: luma becomes red, Cb green and Cr blue. The loop is
     * plain int arithmetic over equal indices so that the JIT vectorises it.
     */
    static void toRgb(final int[] luma, final int[] blueDifference, final int[] redDifference, final int count) {
        for (int i = 0; i < count; i++) {
            final int y = luma[i];
            final int cb = blueDifference[i] - 128;
            final int cr = redDifference[i] - 128;
            luma[i] = Math.max(0, Math.min(255, y + ((CR_TO_RED * cr + ONE_HALF) >> SCALE_BITS)));
            blueDifference[i] = Math.max(0, Math.min(255, y + ((-CB_TO_GREEN * cb - CR_TO_GREEN * cr + ONE_HALF) >> SCALE_BITS)));
            redDifference[i] = Math.max(0, Math.min(255, y + ((CB_TO_BLUE * cb + ONE_HALF) >> SCALE_BITS)));
        }
    }

    /** An RGB copy of a YCbCr view (for the resizer's paths that read pixels one by one); an RGB view is returned as it is. */
    static PixelView toRgb(final PixelView view) {
        if (!view.ycbcr()) {
            return view;
        }
        final int width = view.width();
        final int height = view.height();
        final byte[] source = view.data();
        final byte[] rgb = new byte[3 * width * height];
        final int[] luma = new int[width];
        final int[] blueDifference = new int[width];
        final int[] redDifference = new int[width];
        int output = 0;
        for (int y = 0; y < height; y++) {
            int input = view.offset() + y * view.scanlineStride();
            for (int x = 0; x < width; x++) {
                luma[x] = source[input + view.redOffset()] & 0xff;
                blueDifference[x] = source[input + view.greenOffset()] & 0xff;
                redDifference[x] = source[input + view.blueOffset()] & 0xff;
                input += view.pixelStride();
            }
            toRgb(luma, blueDifference, redDifference, width);
            for (int x = 0; x < width; x++) {
                rgb[output++] = (byte) luma[x];
                rgb[output++] = (byte) blueDifference[x];
                rgb[output++] = (byte) redDifference[x];
            }
        }
        return PixelView.of(new RgbImage(width, height, rgb));
    }
}

package dev.nificnn.dataset;

import javax.imageio.ImageIO;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Encodes one dataset image (unsigned bytes, interleaved HWC, grey or RGB) as a lossless 8-bit PNG.
 */
public final class DatasetImagePngEncoder {

    private static final int[] GREY_BAND_OFFSETS = {0};
    private static final int[] RGB_BAND_OFFSETS = {0, 1, 2};
    private static final ColorModel GREY_COLOR_MODEL = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY),
            false, false, Transparency.OPAQUE, DataBuffer.TYPE_BYTE);
    private static final ColorModel RGB_COLOR_MODEL = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB),
            false, false, Transparency.OPAQUE, DataBuffer.TYPE_BYTE);

    private DatasetImagePngEncoder() {
    }

    /**
     * Returns the PNG bytes of an image whose pixels are {@code height * width * channels} bytes, row-major interleaved.
     *
     * @param channels 1 (8-bit grey PNG) or 3 (8-bit RGB PNG)
     */
    public static byte[] encode(final byte[] pixels, final int height, final int width, final int channels) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("Only 1 or 3 channels can be written as PNG, not " + channels);
        }
        if (pixels.length < height * width * channels) {
            throw new IllegalArgumentException("Expected " + height * width * channels + " pixel bytes but got " + pixels.length);
        }
        // wrap the bytes directly: an interleaved raster with band offsets 0,1,2 is exactly HWC RGB, no per-pixel copy
        final DataBufferByte buffer = new DataBufferByte(pixels, height * width * channels);
        final WritableRaster raster = Raster.createInterleavedRaster(buffer, width, height, width * channels, channels,
                channels == 3 ? RGB_BAND_OFFSETS : GREY_BAND_OFFSETS, null);
        final BufferedImage image = new BufferedImage(channels == 3 ? RGB_COLOR_MODEL : GREY_COLOR_MODEL, raster, false, null);
        final ByteArrayOutputStream output = new ByteArrayOutputStream(256 + height * width * channels);
        try {
            if (!ImageIO.write(image, "png", output)) {
                throw new IllegalStateException("No ImageIO PNG writer accepts a " + channels + "-channel 8-bit image");
            }
        } catch (final IOException e) {
            throw new UncheckedIOException("Writing PNG to memory failed", e);
        }
        return output.toByteArray();
    }
}

package dev.nificnn.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferUShort;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/** Converts any decoded BufferedImage to 8-bit RGB the way Pillow's {@code convert("RGB")} does (alpha is dropped). */
final class RgbConverter {

    private RgbConverter() {
    }

    static RgbImage toRgb(final BufferedImage image) {
        final int width = image.getWidth();
        final int height = image.getHeight();
        final byte[] rgb = new byte[3 * width * height];
        final ColorModel colorModel = image.getColorModel();
        final Raster raster = image.getRaster();
        final boolean grey = colorModel.getColorSpace().getType() == ColorSpace.TYPE_GRAY;
        if (colorModel instanceof IndexColorModel palette) {
            copyPalette(raster, palette, rgb);
        } else if ((grey || colorModel.getColorSpace().isCS_sRGB()) && raster.getSampleModel() instanceof ComponentSampleModel components
                && isWholeSingleBankRaster(raster, components)) {
            copyComponents(raster, components, grey, rgb);
        } else {
            // Any other colour model (packed RGB, other colour spaces, CMYK left unconverted): let Java2D convert to sRGB.
            copyThroughJava2d(image, rgb);
        }
        return new RgbImage(width, height, rgb);
    }

    /** 8-bit or 16-bit samples in one array, and not a window into a larger raster. */
    private static boolean isWholeSingleBankRaster(final Raster raster, final ComponentSampleModel components) {
        return raster.getParent() == null && raster.getSampleModelTranslateX() == 0 && raster.getSampleModelTranslateY() == 0
                && (raster.getDataBuffer() instanceof DataBufferByte || raster.getDataBuffer() instanceof DataBufferUShort)
                && raster.getDataBuffer().getNumBanks() == 1 && RasterPixelViews.usesOnlyBankZero(components);
    }

    private static void copyComponents(final Raster raster, final ComponentSampleModel components, final boolean grey, final byte[] rgb) {
        final int width = raster.getWidth();
        final int height = raster.getHeight();
        final int pixelStride = components.getPixelStride();
        final int scanlineStride = components.getScanlineStride();
        final int[] bandOffsets = components.getBandOffsets();
        final int red = bandOffsets[0];
        final int green = grey ? red : bandOffsets[1];
        final int blue = grey ? red : bandOffsets[2];
        final DataBuffer buffer = raster.getDataBuffer();
        final int bufferOffset = buffer.getOffset();
        int output = 0;
        if (buffer instanceof DataBufferByte bytes) {
            final byte[] data = bytes.getData();
            for (int y = 0; y < height; y++) {
                int input = bufferOffset + y * scanlineStride;
                for (int x = 0; x < width; x++) {
                    rgb[output++] = data[input + red];
                    rgb[output++] = data[input + green];
                    rgb[output++] = data[input + blue];
                    input += pixelStride;
                }
            }
        } else {
            // 16-bit samples keep their high byte, as Pillow does when it opens a 16-bit PNG as RGB.
            final short[] data = ((DataBufferUShort) buffer).getData();
            for (int y = 0; y < height; y++) {
                int input = bufferOffset + y * scanlineStride;
                for (int x = 0; x < width; x++) {
                    rgb[output++] = (byte) ((data[input + red] & 0xffff) >>> 8);
                    rgb[output++] = (byte) ((data[input + green] & 0xffff) >>> 8);
                    rgb[output++] = (byte) ((data[input + blue] & 0xffff) >>> 8);
                    input += pixelStride;
                }
            }
        }
    }

    private static void copyPalette(final Raster raster, final IndexColorModel palette, final byte[] rgb) {
        final int size = palette.getMapSize();
        final byte[] reds = new byte[size];
        final byte[] greens = new byte[size];
        final byte[] blues = new byte[size];
        palette.getReds(reds);
        palette.getGreens(greens);
        palette.getBlues(blues);
        final int width = raster.getWidth();
        final int[] indices = new int[width];
        int output = 0;
        for (int y = 0; y < raster.getHeight(); y++) {
            raster.getSamples(raster.getMinX(), raster.getMinY() + y, width, 1, 0, indices);
            for (int x = 0; x < width; x++) {
                final int index = Math.min(indices[x], size - 1);
                rgb[output++] = reds[index];
                rgb[output++] = greens[index];
                rgb[output++] = blues[index];
            }
        }
    }

    private static void copyThroughJava2d(final BufferedImage image, final byte[] rgb) {
        final int width = image.getWidth();
        final int[] row = new int[width];
        int output = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            image.getRGB(0, y, width, 1, row, 0, width);
            for (int x = 0; x < width; x++) {
                final int argb = row[x];
                rgb[output++] = (byte) (argb >> 16);
                rgb[output++] = (byte) (argb >> 8);
                rgb[output++] = (byte) argb;
            }
        }
    }
}

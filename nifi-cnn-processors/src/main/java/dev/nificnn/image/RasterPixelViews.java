package dev.nificnn.image;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/** Views of a decoded raster's own bytes as {@link PixelView}s, so that the resizer reads them where the reader left them. */
final class RasterPixelViews {

    private RasterPixelViews() {
    }

    /** A view of the image's raster when it is 8-bit interleaved sRGB (the usual JPEG, PNG and BMP case); null otherwise. */
    static PixelView ofRgb(final BufferedImage image) {
        final ColorModel colorModel = image.getColorModel();
        final Raster raster = image.getRaster();
        if (colorModel instanceof IndexColorModel || !colorModel.getColorSpace().isCS_sRGB() || raster.getNumBands() < 3 || !isWholeByteRaster(raster)) {
            return null;
        }
        return view(raster, false);
    }

    /** A view of a JPEG reader's unconverted three-band raster as YCbCr; null when its layout is anything but 8-bit interleaved. */
    static PixelView ofYCbCr(final Raster raster) {
        if (raster.getNumBands() != 3 || !isWholeByteRaster(raster)) {
            return null;
        }
        return view(raster, true);
    }

    /** True when every band of {@code components} lies in bank 0, so one array and its offsets describe them all. */
    static boolean usesOnlyBankZero(final ComponentSampleModel components) {
        for (final int bank : components.getBankIndices()) {
            if (bank != 0) {
                return false;
            }
        }
        return true;
    }

    /** One byte array, components interleaved, and not a window into a larger raster. */
    private static boolean isWholeByteRaster(final Raster raster) {
        return raster.getDataBuffer() instanceof DataBufferByte bytes && bytes.getNumBanks() == 1
                && raster.getSampleModel() instanceof ComponentSampleModel components && usesOnlyBankZero(components)
                && raster.getParent() == null && raster.getSampleModelTranslateX() == 0 && raster.getSampleModelTranslateY() == 0;
    }

    private static PixelView view(final Raster raster, final boolean ycbcr) {
        final DataBufferByte bytes = (DataBufferByte) raster.getDataBuffer();
        final ComponentSampleModel components = (ComponentSampleModel) raster.getSampleModel();
        final int[] bandOffsets = components.getBandOffsets();
        return new PixelView(bytes.getData(), bytes.getOffset(), raster.getWidth(), raster.getHeight(), components.getScanlineStride(),
                components.getPixelStride(), bandOffsets[0], bandOffsets[1], bandOffsets[2], ycbcr);
    }
}

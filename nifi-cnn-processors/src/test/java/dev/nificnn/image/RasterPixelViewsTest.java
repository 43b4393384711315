package dev.nificnn.image;

import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Views read the decoded raster's own bytes, and only layouts they describe exactly are viewed. */
class RasterPixelViewsTest {

    @Test
    void viewsABgrRasterInPlaceWithItsRgbValues() {
        final BufferedImage image = new BufferedImage(5, 3, BufferedImage.TYPE_3BYTE_BGR);
        image.setRGB(4, 2, 0x123456);
        image.setRGB(0, 1, 0xfedcba);
        final PixelView view = RasterPixelViews.ofRgb(image);
        assertSame(((DataBufferByte) image.getRaster().getDataBuffer()).getData(), view.data(), "no copy");
        assertEquals(0x123456, rgb(view, 4, 2));
        assertEquals(0xfedcba, rgb(view, 0, 1));
        assertFalse(view.ycbcr());
    }

    @Test
    void refusesLayoutsAViewCannotDescribe() {
        assertNull(RasterPixelViews.ofRgb(new BufferedImage(5, 3, BufferedImage.TYPE_INT_RGB)), "packed ints");
        assertNull(RasterPixelViews.ofRgb(new BufferedImage(5, 3, BufferedImage.TYPE_BYTE_GRAY)), "one band");
        assertNull(RasterPixelViews.ofRgb(new BufferedImage(5, 3, BufferedImage.TYPE_3BYTE_BGR).getSubimage(1, 1, 2, 2)), "a window into a larger raster");
    }

    private static int rgb(final PixelView view, final int x, final int y) {
        final int pixel = view.offset() + y * view.scanlineStride() + x * view.pixelStride();
        final byte[] data = view.data();
        return (data[pixel + view.redOffset()] & 0xff) << 16 | (data[pixel + view.greenOffset()] & 0xff) << 8 | data[pixel + view.blueOffset()] & 0xff;
    }
}

package dev.nificnn.dataset;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DatasetImagePngEncoderTest {

    @Test
    void greyImagesDecodeToTheSamePixelsWithAnIndependentDecoder() throws IOException {
        final byte[] pixels = new byte[28 * 17];
        new Random(3).nextBytes(pixels);

        final BufferedImage decoded = decode(DatasetImagePngEncoder.encode(pixels, 28, 17, 1));

        assertEquals(17, decoded.getWidth());
        assertEquals(28, decoded.getHeight());
        assertEquals(BufferedImage.TYPE_BYTE_GRAY, decoded.getType());
        assertArrayEquals(toInts(pixels), decoded.getRaster().getPixels(0, 0, 17, 28, (int[]) null));
    }

    @Test
    void rgbImagesDecodeToTheSamePixelsInRgbOrder() throws IOException {
        final byte[] pixels = new byte[5 * 7 * 3];
        new Random(4).nextBytes(pixels);
        pixels[0] = (byte) 255;
        pixels[1] = 0;
        pixels[2] = 10;

        final BufferedImage decoded = decode(DatasetImagePngEncoder.encode(pixels, 5, 7, 3));

        assertEquals(7, decoded.getWidth());
        assertEquals(5, decoded.getHeight());
        assertEquals(0xff00_0a, decoded.getRGB(0, 0) & 0xffffff);
        for (int row = 0; row < 5; row++) {
            for (int column = 0; column < 7; column++) {
                final int offset = (row * 7 + column) * 3;
                final int expected = (Byte.toUnsignedInt(pixels[offset]) << 16) | (Byte.toUnsignedInt(pixels[offset + 1]) << 8)
                        | Byte.toUnsignedInt(pixels[offset + 2]);
                assertEquals(expected, decoded.getRGB(column, row) & 0xffffff, "pixel " + row + "," + column);
            }
        }
    }

    @Test
    void aOnePixelImageAndExtremeValuesSurvive() throws IOException {
        final BufferedImage decoded = decode(DatasetImagePngEncoder.encode(new byte[] {(byte) 255}, 1, 1, 1));

        assertEquals(255, decoded.getRaster().getSample(0, 0, 0));
    }

    @Test
    void usesOnlyThePixelsOfTheImageWhenTheBufferIsLarger() throws IOException {
        final byte[] buffer = new byte[10];
        Arrays.fill(buffer, (byte) 7);

        final BufferedImage decoded = decode(DatasetImagePngEncoder.encode(buffer, 2, 2, 1));

        assertArrayEquals(new int[] {7, 7, 7, 7}, decoded.getRaster().getPixels(0, 0, 2, 2, (int[]) null));
    }

    @Test
    void rejectsUnsupportedChannelsAndShortBuffers() {
        assertThrows(IllegalArgumentException.class, () -> DatasetImagePngEncoder.encode(new byte[8], 2, 2, 2));
        assertThrows(IllegalArgumentException.class, () -> DatasetImagePngEncoder.encode(new byte[11], 2, 2, 3));
    }

    private static BufferedImage decode(final byte[] png) throws IOException {
        final BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertNotNull(image, "ImageIO decodes the PNG");
        return image;
    }

    private static int[] toInts(final byte[] bytes) {
        final int[] values = new int[bytes.length];
        for (int index = 0; index < bytes.length; index++) {
            values[index] = Byte.toUnsignedInt(bytes[index]);
        }
        return values;
    }
}

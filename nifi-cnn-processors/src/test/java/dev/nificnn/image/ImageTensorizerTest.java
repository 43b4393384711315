package dev.nificnn.image;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.FloatBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageTensorizerTest {

    /** Red, green / blue, white. */
    private static final int[][] PIXELS = {{0xFF0000, 0x00FF00}, {0x0000FF, 0xFFFFFF}};

    @Test
    void writesCaffeStyleBgrChw() throws Exception {
        final TensorSpec spec = new TensorSpec(2, 2, ResizeMode.STRETCH, Interpolation.BILINEAR, TensorLayout.CHW, ChannelOrder.BGR,
                1f, new float[] {104f, 117f, 123f}, new float[] {1f});
        final FloatBuffer tensor = FloatBuffer.allocate(1 + 12);
        tensor.put(42f);
        new ImageTensorizer(spec, ImageDecoder.DEFAULT_MAX_PIXELS).write(png(), tensor);
        assertEquals(13, tensor.position());
        final float[] expected = {
            // blue plane
            0 - 104, 0 - 104, 255 - 104, 255 - 104,
            // green plane
            0 - 117, 255 - 117, 0 - 117, 255 - 117,
            // red plane
            255 - 123, 0 - 123, 0 - 123, 255 - 123};
        assertEquals(42f, tensor.get(0));
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], tensor.get(1 + i), 0f, "value " + i);
        }
    }

    @Test
    void writesTorchvisionStyleRgbHwc() throws Exception {
        final float[] mean = {0.485f, 0.456f, 0.406f};
        final float[] std = {0.229f, 0.224f, 0.225f};
        final TensorSpec spec = new TensorSpec(2, 2, ResizeMode.STRETCH, Interpolation.NEAREST, TensorLayout.HWC, ChannelOrder.RGB,
                1f / 255f, mean, std);
        final FloatBuffer tensor = FloatBuffer.allocate(12);
        new ImageTensorizer(spec, 100).write(png(), tensor);
        int index = 0;
        for (final int[] row : PIXELS) {
            for (final int rgb : row) {
                final int[] samples = {rgb >> 16 & 0xff, rgb >> 8 & 0xff, rgb & 0xff};
                for (int c = 0; c < 3; c++) {
                    assertEquals((samples[c] * (1f / 255f) - mean[c]) / std[c], tensor.get(index++), 0f);
                }
            }
        }
    }

    @Test
    void reportsFormatAndUprightSizeOfRotatedJpeg() throws Exception {
        final TensorSpec spec = TensorSpec.unnormalised(20, 14, ResizeMode.STRETCH, Interpolation.BILINEAR, TensorLayout.HWC, ChannelOrder.RGB);
        final FloatBuffer tensor = FloatBuffer.allocate(spec.elementCount());
        final SourceImageInfo info = new ImageTensorizer(spec, ImageDecoder.DEFAULT_MAX_PIXELS).prepare(ImageFixtures.bytes("decode/orientation6.jpg"), tensor);
        assertEquals(new SourceImageInfo(ImageFormat.JPEG, 20, 14), info);
        // Same size, so the tensor holds the upright decoded pixels themselves: compare with Pillow's upright decode.
        final NpyArray expected = ImageFixtures.reference("decode/expected/orientation6.jpg.npy");
        for (int i = 0; i < spec.elementCount(); i++) {
            assertEquals(expected.data()[i], tensor.get(i), 6f, "value " + i);
        }
    }

    @Test
    void refusesImagesOverThePixelLimit() throws IOException {
        final TensorSpec spec = TensorSpec.unnormalised(2, 2, ResizeMode.STRETCH, Interpolation.BILINEAR, TensorLayout.CHW, ChannelOrder.RGB);
        final ImageDecodeException error = assertThrows(ImageDecodeException.class, () -> new ImageTensorizer(spec, 3).write(png(), FloatBuffer.allocate(12)));
        assertTrue(error.getMessage().contains("Maximum Image Pixels"), error.getMessage());
    }

    @Test
    void specExpandsSingleValuesAndRefusesZeroStd() {
        final TensorSpec spec = new TensorSpec(4, 3, ResizeMode.FIT_PAD, Interpolation.AREA, TensorLayout.HWC, ChannelOrder.RGB, 1f, new float[] {5f}, new float[] {2f});
        assertEquals(5f, spec.mean()[2]);
        assertEquals(36, spec.elementCount());
        assertEquals(3, spec.shape()[0]);
        assertThrows(IllegalArgumentException.class, () -> new TensorSpec(4, 3, ResizeMode.STRETCH, Interpolation.AREA, TensorLayout.HWC,
                ChannelOrder.RGB, 1f, new float[] {0f}, new float[] {1f, 0f, 1f}));
        assertThrows(IllegalArgumentException.class, () -> new TensorSpec(4, 3, ResizeMode.STRETCH, Interpolation.AREA, TensorLayout.HWC,
                ChannelOrder.RGB, 1f, new float[] {0f, 1f}, new float[] {1f}));
    }

    static byte[] png() throws IOException {
        final BufferedImage image = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 2; x++) {
                image.setRGB(x, y, PIXELS[y][x]);
            }
        }
        final ByteArrayOutputStream output = new ByteArrayOutputStream();
        ImageIO.write(image, "png", output);
        return output.toByteArray();
    }
}

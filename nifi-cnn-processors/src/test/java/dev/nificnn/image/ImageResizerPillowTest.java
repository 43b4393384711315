package dev.nificnn.image;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Compares our resizer with Pillow 9.4's {@code Image.resize} on the fixture images: reference arrays were made once by
 * src/test/resources/image/make_reference.py. Issue 2 asks for at most 1 grey level of difference on 99% of values; the
 * resizer reproduces Pillow's fixed-point arithmetic, so the test checks that bar and, beyond it, exact agreement.
 */
class ImageResizerPillowTest {

    static List<String> cases() {
        return Arrays.stream(new String(ImageFixtures.bytes("pillow/cases.txt"), StandardCharsets.US_ASCII).split("\n"))
                .filter(line -> !line.isBlank()).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesPillow(final String line) throws ImageDecodeException {
        final String[] fields = line.split(" ");
        final String source = fields[1];
        final int width = Integer.parseInt(fields[2]);
        final int height = Integer.parseInt(fields[3]);
        final ResizeMode mode = ResizeMode.valueOf(fields[4]);
        final Interpolation interpolation = Interpolation.valueOf(fields[5]);
        final RgbImage decoded = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS).decode(ImageFixtures.bytes("sources/" + source + ".png")).image();
        final RgbImage resized = ImageResizer.resize(decoded, width, height, mode, interpolation);
        final NpyArray expected = ImageFixtures.reference("pillow/" + fields[0] + ".npy");
        assertArrayEquals(new int[] {height, width, 3}, expected.shape());
        final float[] reference = expected.data();
        int withinOne = 0;
        int exact = 0;
        int largest = 0;
        for (int i = 0; i < reference.length; i++) {
            final int difference = Math.abs((resized.pixels()[i] & 0xff) - (int) reference[i]);
            largest = Math.max(largest, difference);
            if (difference <= 1) {
                withinOne++;
            }
            if (difference == 0) {
                exact++;
            }
        }
        final String summary = line + ": " + exact + " of " + reference.length + " values equal, " + withinOne + " within 1, largest difference " + largest;
        System.out.println(summary);
        assertTrue(withinOne >= 0.99 * reference.length, summary);
        // Stronger than the bar: the arithmetic is Pillow's own, so every value is expected to be identical.
        assertEquals(reference.length, exact, summary);
    }

    /** The tensor path (decoder raster read in place, planes, packing) must give the same values as the image path. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void tensorizerMatchesPillow(final String line) throws ImageDecodeException {
        final String[] fields = line.split(" ");
        final int width = Integer.parseInt(fields[2]);
        final int height = Integer.parseInt(fields[3]);
        final TensorSpec spec = TensorSpec.unnormalised(width, height, ResizeMode.valueOf(fields[4]), Interpolation.valueOf(fields[5]),
                TensorLayout.CHW, ChannelOrder.BGR);
        final FloatBuffer tensor = FloatBuffer.allocate(spec.elementCount());
        new ImageTensorizer(spec, ImageDecoder.DEFAULT_MAX_PIXELS).write(ImageFixtures.bytes("sources/" + fields[1] + ".png"), tensor);
        final float[] reference = ImageFixtures.reference("pillow/" + fields[0] + ".npy").data();
        final int plane = width * height;
        for (int pixel = 0; pixel < plane; pixel++) {
            for (int channel = 0; channel < 3; channel++) {
                assertEquals(reference[pixel * 3 + 2 - channel], tensor.get(channel * plane + pixel), 0f, line + " pixel " + pixel + " channel " + channel);
            }
        }
    }
}

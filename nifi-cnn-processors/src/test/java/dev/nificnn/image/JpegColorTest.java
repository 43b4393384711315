package dev.nificnn.image;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Without libjpeg-turbo, the tensor path reads plain YCbCr JPEGs as the JDK reader's unconverted raster and converts with libjpeg's arithmetic in the
 * resizer: every pixel and every tensor value must equal what the general path (BufferedImage, converted by libjpeg) gives.
 */
class JpegColorTest {

    private final ImageDecoder decoder = ImageDecoder.withoutLibjpegTurbo(ImageDecoder.DEFAULT_MAX_PIXELS);

    @Test
    void unconvertedRasterConvertsToTheSamePixelsAsTheReader() throws IOException, ImageDecodeException {
        final byte[] jfif = ImageDecoderTest.encode(ImageDecoderTest.photo(157, 93), "jpeg");
        for (final byte[] content : new byte[][] {jfif, withoutJfif(jfif), ImageFixtures.bytes("decode/progressive.jpg")}) {
            final PixelView view = decoder.decodePixels(content).pixels();
            assertTrue(view.ycbcr(), "plain YCbCr JPEG read without colour conversion");
            final RgbImage expected = decoder.decode(content).image();
            final PixelView converted = JpegColor.toRgb(view);
            assertFalse(converted.ycbcr());
            assertArrayEquals(expected.pixels(), converted.data());
        }
    }

    @Test
    void progressiveFixtureStaysCloseToPillow() throws ImageDecodeException {
        final PixelView view = JpegColor.toRgb(decoder.decodePixels(ImageFixtures.bytes("decode/progressive.jpg")).pixels());
        final NpyArray expected = ImageFixtures.reference("decode/expected/progressive.jpg.npy");
        final int largest = ImageDecoderTest.largestDifference(new RgbImage(view.width(), view.height(), view.data()), expected);
        assertTrue(largest <= 6, "differs from Pillow by " + largest);
    }

    @Test
    void orientedAndCmykJpegsTakeTheGeneralPath() throws ImageDecodeException {
        assertFalse(decoder.decodePixels(ImageFixtures.bytes("decode/orientation6.jpg")).pixels().ycbcr());
        assertFalse(decoder.decodePixels(ImageFixtures.bytes("decode/cmyk.jpg")).pixels().ycbcr());
    }

    /** Each resizer path (strips with conversion, nearest, no horizontal resampling, crops, pads) against the decoded image. */
    @ParameterizedTest(name = "{0}x{1} {2} {3} shorter side {4}")
    @CsvSource({
        "224, 224, STRETCH, BILINEAR, 0",
        "224, 224, STRETCH, BICUBIC, 0",
        "40, 30, STRETCH, AREA, 0",
        "61, 47, STRETCH, NEAREST, 0",
        "300, 60, STRETCH, BILINEAR, 0",
        "300, 60, FIT_PAD, BILINEAR, 0",
        "224, 224, SHORTER_SIDE_CROP, BILINEAR, 256",
        "100, 100, SHORTER_SIDE_CROP, BICUBIC, 0",
    })
    void tensorsEqualTheGeneralPath(final int width, final int height, final ResizeMode mode, final Interpolation interpolation, final int shorterSide)
            throws IOException, ImageDecodeException {
        // 300 wide: the 300 x 60 stretch keeps the width, so the resizer takes its no-horizontal-pass path. 420 high: the
        // horizontal pass runs in seven 64-row strips, the last one partial (36 rows).
        final byte[] jpeg = ImageDecoderTest.encode(ImageDecoderTest.photo(300, 420), "jpeg");
        final TensorSpec spec = new TensorSpec(width, height, mode, interpolation, TensorLayout.CHW, ChannelOrder.RGB, 1f / 255f,
                new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f}, shorterSide);
        final ImageTensorizer tensorizer = new ImageTensorizer(spec, decoder, false);
        final FloatBuffer fast = FloatBuffer.allocate(spec.elementCount());
        tensorizer.write(jpeg, fast);
        final FloatBuffer general = FloatBuffer.allocate(spec.elementCount());
        tensorizer.write(decoder.decode(jpeg).image(), general);
        assertArrayEquals(general.array(), fast.array(), 0f);
    }

    @Test
    void truncatedJpegIsRefusedOnTheTensorPath() throws IOException {
        final byte[] jpeg = ImageDecoderTest.encode(ImageDecoderTest.photo(160, 120), "jpeg");
        final TensorSpec spec = TensorSpec.unnormalised(32, 32, ResizeMode.STRETCH, Interpolation.BILINEAR, TensorLayout.CHW, ChannelOrder.RGB);
        final ImageTensorizer tensorizer = new ImageTensorizer(spec, decoder, false);
        for (final int length : new int[] {jpeg.length / 2, jpeg.length - 2}) {
            final ImageDecodeException error = assertThrows(ImageDecodeException.class,
                    () -> tensorizer.write(Arrays.copyOf(jpeg, length), FloatBuffer.allocate(spec.elementCount())));
            assertTrue(error.getMessage().contains("truncated"), error.getMessage());
        }
        final ImageDecodeException bomb = assertThrows(ImageDecodeException.class,
                () -> new ImageTensorizer(spec, ImageDecoder.withoutLibjpegTurbo(1000), false).write(jpeg, FloatBuffer.allocate(spec.elementCount())));
        assertTrue(bomb.getMessage().contains("Maximum Image Pixels"), bomb.getMessage());
    }

    @Test
    void conversionMatchesLibjpegFormulas() {
        // libjpeg: R = Y + 1.402 (Cr - 128), G = Y - 0.34414 (Cb - 128) - 0.71414 (Cr - 128), B = Y + 1.772 (Cb - 128), clamped.
        final int[] luma = {128, 0, 255, 100};
        final int[] blueDifference = {128, 255, 0, 90};
        final int[] redDifference = {128, 255, 0, 200};
        JpegColor.toRgb(luma, blueDifference, redDifference, 4);
        assertArrayEquals(new int[] {128, 178, 76, 201}, luma);
        assertArrayEquals(new int[] {128, 0, 255, 62}, blueDifference);
        assertArrayEquals(new int[] {128, 225, 28, 33}, redDifference);
    }

    /** The JPEG without its JFIF (APP0) segment, which the JDK's writer puts first: then component ids say YCbCr. */
    static byte[] withoutJfif(final byte[] jpeg) {
        final int length = (jpeg[4] & 0xff) << 8 | jpeg[5] & 0xff;
        final byte[] stripped = new byte[jpeg.length - 2 - length];
        stripped[0] = jpeg[0];
        stripped[1] = jpeg[1];
        System.arraycopy(jpeg, 4 + length, stripped, 2, jpeg.length - 4 - length);
        return stripped;
    }
}

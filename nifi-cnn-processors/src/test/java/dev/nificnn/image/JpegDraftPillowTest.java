package dev.nificnn.image;

import dev.nificnn.testing.LibjpegTurboRequirement;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * JPEG draft decoding against Pillow: {@code Image.draft("RGB", scaled size)} then the resize (draft/cases.txt, made by
 * make_reference.py). Needs libjpeg-turbo, like LibjpegTurboTest: skipped with the reason without it, a failure when
 * NIFICNN_REQUIRE_LIBJPEG_TURBO=true.
 */
class JpegDraftPillowTest {

    private static final int STORED_WIDTH = 530;
    private static final int STORED_HEIGHT = 410;

    @BeforeAll
    static void needsLibjpegTurbo() {
        LibjpegTurboRequirement.require();
    }

    static List<String> cases() {
        return Arrays.stream(new String(ImageFixtures.bytes("draft/cases.txt"), StandardCharsets.US_ASCII).split("\n"))
                .filter(line -> !line.isBlank()).toList();
    }

    private static TensorSpec spec(final String[] fields) {
        return TensorSpec.unnormalised(Integer.parseInt(fields[2]), Integer.parseInt(fields[3]), ResizeMode.valueOf(fields[4]),
                Interpolation.valueOf(fields[5]), TensorLayout.HWC, ChannelOrder.RGB).withShorterSide(Integer.parseInt(fields[6]));
    }

    /** Decoded at 1/denominator of the upright size (what Pillow's draft chose), then resized to exactly Pillow's values. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void draftThenResizeEqualsPillow(final String line) throws ImageDecodeException {
        final String[] fields = line.split(" ");
        final byte[] jpeg = ImageFixtures.bytes("draft/" + fields[1]);
        final TensorSpec spec = spec(fields);
        final int denominator = Integer.parseInt(fields[7]);

        final ImageDecoder.DecodedPixels decoded = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS).decodePixels(jpeg, JpegDraft.forResize(spec));
        assertEquals((STORED_WIDTH + denominator - 1) / denominator, decoded.pixels().width(), "drafted width");
        assertEquals((STORED_HEIGHT + denominator - 1) / denominator, decoded.pixels().height(), "drafted height");
        assertEquals(STORED_WIDTH, decoded.sourceWidth(), "the declared upright size is kept for the attributes");
        assertEquals(STORED_HEIGHT, decoded.sourceHeight());

        final FloatBuffer tensor = FloatBuffer.allocate(spec.elementCount());
        final SourceImageInfo source = new ImageTensorizer(spec, ImageDecoder.DEFAULT_MAX_PIXELS, true).prepare(jpeg, tensor);
        assertEquals(new SourceImageInfo(ImageFormat.JPEG, STORED_WIDTH, STORED_HEIGHT), source);
        final NpyArray expected = ImageFixtures.reference("draft/" + fields[0] + ".npy");
        assertArrayEquals(new int[] {spec.height(), spec.width(), 3}, expected.shape());
        assertArrayEquals(expected.data(), tensor.array(), 0f, line);

        final RgbImage image = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS).decode(jpeg, JpegDraft.forResize(spec)).image();
        final RgbImage resized = ImageResizer.resize(image, spec.width(), spec.height(), spec.resizeMode(), spec.interpolation(), spec.shorterSide());
        assertEquals(0, ImageDecoderTest.largestDifference(resized, expected), "the image path (PrepareImage's PNG/JPEG output) too");
    }

    @Test
    void withoutLibjpegTurboTheDraftIsIgnored() throws ImageDecodeException {
        final byte[] jpeg = ImageFixtures.bytes("draft/photo530x410.jpg");
        final JpegDraft eighth = (width, height) -> 8;
        final ImageDecoder.DecodedPixels full = ImageDecoder.withoutLibjpegTurbo(ImageDecoder.DEFAULT_MAX_PIXELS).decodePixels(jpeg, eighth);
        assertEquals(STORED_WIDTH, full.pixels().width());
        assertEquals(67, new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS).decodePixels(jpeg, eighth).pixels().width());
    }

    @Test
    void denominatorsFollowPillowsRule() {
        final TensorSpec stretch = TensorSpec.unnormalised(224, 224, ResizeMode.STRETCH, Interpolation.BILINEAR, TensorLayout.CHW, ChannelOrder.RGB);
        assertEquals(8, JpegDraft.forResize(stretch).denominator(4032, 3024), "3024 // 224 = 13");
        assertEquals(4, JpegDraft.forResize(stretch).denominator(1000, 900), "900 // 224 = 4");
        assertEquals(2, JpegDraft.forResize(stretch).denominator(500, 500));
        assertEquals(1, JpegDraft.forResize(stretch).denominator(500, 375), "the issue's 500 x 375 photo: 375 // 224 = 1");
        assertEquals(1, JpegDraft.forResize(stretch).denominator(100, 100), "upscaling: never");
        final TensorSpec dot = TensorSpec.unnormalised(1, 1, ResizeMode.STRETCH, Interpolation.BILINEAR, TensorLayout.CHW, ChannelOrder.RGB);
        assertEquals(8, JpegDraft.forResize(dot).denominator(15, 40), "Pillow's rule; the decompressor decodes such tiny images whole");
        final TensorSpec crop = TensorSpec.unnormalised(224, 224, ResizeMode.SHORTER_SIDE_CROP, Interpolation.BILINEAR, TensorLayout.CHW,
                ChannelOrder.RGB).withShorterSide(256);
        assertEquals(8, JpegDraft.forResize(crop).denominator(4032, 3024), "shorter side 3024 // 256 = 11");
        assertEquals(2, JpegDraft.forResize(crop).denominator(1000, 600), "600 // 256 = 2");
    }
}

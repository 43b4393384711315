package dev.nificnn.image;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The decoder as the processors make it: libjpeg-turbo for plain YCbCr JPEGs where this JVM has it (see LibjpegTurboTest). */
class ImageDecoderTest {

    private final ImageDecoder decoder = newDecoder();

    /** The decoder under test; {@link ImageDecoderWithoutLibjpegTurboTest} runs every test here with ImageIO only. */
    ImageDecoder newDecoder() {
        return new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS);
    }

    /** Lossless variants must decode to exactly the RGB Pillow gives (alpha dropped, 16-bit to the high byte). */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"rgb.bmp, BMP", "rgb.tiff, TIFF", "rgb-lossless.webp, WEBP", "grey.png, PNG", "palette.png, PNG", "palette.gif, GIF",
        "grey.bmp, BMP", "alpha.png, PNG", "grey-alpha.png, PNG", "rgb16.png, PNG"})
    void decodesLosslessVariantsExactly(final String file, final ImageFormat format) throws ImageDecodeException {
        final DecodedImage decoded = decoder.decode(ImageFixtures.bytes("decode/" + file));
        assertEquals(format, decoded.format());
        final NpyArray expected = ImageFixtures.reference("decode/expected/" + file + ".npy");
        assertEquals(expected.shape()[0], decoded.image().height());
        assertEquals(expected.shape()[1], decoded.image().width());
        assertEquals(0, largestDifference(decoded.image(), expected), file);
    }

    /** JPEG decoders (libjpeg in Pillow, the JDK's in ImageIO) may differ by a few levels; the picture must be the same. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"progressive.jpg", "orientation6.jpg", "subsampling-444.jpg", "subsampling-422.jpg", "subsampling-420.jpg"})
    void decodesJpegVariantsCloseToPillow(final String file) throws ImageDecodeException {
        final DecodedImage decoded = decoder.decode(ImageFixtures.bytes("decode/" + file));
        final NpyArray expected = ImageFixtures.reference("decode/expected/" + file + ".npy");
        assertEquals(expected.shape()[0], decoded.image().height(), "rows after orientation");
        assertEquals(expected.shape()[1], decoded.image().width(), "columns after orientation");
        assertTrue(largestDifference(decoded.image(), expected) <= 6, file + " differs by " + largestDifference(decoded.image(), expected));
    }

    @Test
    void orientationSixIsTurnedClockwise() throws ImageDecodeException {
        final RgbImage image = decoder.decode(ImageFixtures.bytes("decode/orientation6.jpg")).image();
        // Stored 14 wide x 20 high; shown 20 wide x 14 high.
        assertEquals(20, image.width());
        assertEquals(14, image.height());
    }

    @Test
    void decodesCmykJpegToRgbHues() throws ImageDecodeException {
        final RgbImage image = decoder.decode(ImageFixtures.bytes("decode/cmyk.jpg")).image();
        assertEquals(16, image.width());
        // Left block is CMYK (0, 100%, 100%, 0): red; right block (100%, 0, 100%, 0): green. Exact values depend on the CMYK profile.
        assertTrue(image.sample(3, 4, 0) > 180 && image.sample(3, 4, 1) < 100 && image.sample(3, 4, 2) < 100, "red block");
        assertTrue(image.sample(12, 4, 1) > 100 && image.sample(12, 4, 0) < 100, "green block");
    }

    @Test
    void refusesEmptyContent() {
        assertRefused(new byte[0], "empty");
    }

    @Test
    void refusesTruncatedJpeg() throws IOException {
        final byte[] jpeg = encode(photo(160, 120), "jpeg");
        assertRefused(Arrays.copyOf(jpeg, jpeg.length / 2), "JPEG content is truncated");
    }

    @Test
    void refusesTruncatedPng() throws IOException {
        final byte[] png = encode(photo(160, 120), "png");
        assertRefused(Arrays.copyOf(png, png.length / 2), "PNG content could not be decoded");
    }

    @Test
    void refusesRandomBytes() {
        final byte[] noise = new byte[4096];
        new Random(7).nextBytes(noise);
        noise[0] = 0x13;
        assertRefused(noise, "not a recognised image format (first bytes 13");
    }

    @Test
    void refusesText() {
        assertRefused("name,label\ncat.jpg,3\n".getBytes(StandardCharsets.UTF_8), "Content is text, not an image (starts with \"name,label cat.jpg,3\")");
    }

    @Test
    void refusesGifWithoutFrames() {
        assertRefused(ImageFixtures.bytes("decode/zero-frames.gif"), "GIF content holds no image frames");
    }

    @Test
    void refusesDecompressionBombBeforeDecoding() {
        assertRefused(ImageFixtures.bytes("decode/bomb-60000x60000.png"),
                "PNG image declares 60000 x 60000 = 3600000000 pixels, more than the Maximum Image Pixels limit of 50000000; refused before decoding");
    }

    @Test
    void refusesUnsupportedFormats() {
        final byte[] heic = {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c', 0, 0, 0, 0};
        assertRefused(heic, "Unsupported image format: content is HEIF/HEIC");
        assertRefused("%PDF-1.7\n%\u00e2\u00e3".getBytes(StandardCharsets.ISO_8859_1), "Unsupported image format: content is PDF");
    }

    @Test
    void decoderKeepsWorkingAfterFailures() throws IOException, ImageDecodeException {
        final byte[] jpeg = encode(photo(64, 48), "jpeg");
        assertRefused(Arrays.copyOf(jpeg, jpeg.length - 40), "JPEG");
        final RgbImage image = decoder.decode(jpeg).image();
        assertEquals(64, image.width());
        assertEquals(48, image.height());
    }

    private void assertRefused(final byte[] content, final String expectedMessagePart) {
        final ImageDecodeException error = assertThrows(ImageDecodeException.class, () -> decoder.decode(content));
        assertTrue(error.getMessage().contains(expectedMessagePart), "message was: " + error.getMessage());
    }

    static int largestDifference(final RgbImage image, final NpyArray expected) {
        int largest = 0;
        final float[] values = expected.data();
        for (int i = 0; i < values.length; i++) {
            largest = Math.max(largest, Math.abs((image.pixels()[i] & 0xff) - (int) values[i]));
        }
        return largest;
    }

    static BufferedImage photo(final int width, final int height) {
        final BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        final Random random = new Random(width * 31L + height);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                final int red = (x * 255 / width + random.nextInt(20)) & 0xff;
                final int green = (y * 255 / height) & 0xff;
                final int blue = ((x / 8 + y / 8) % 2 == 0 ? 200 : 40) + random.nextInt(10);
                image.setRGB(x, y, red << 16 | green << 8 | blue);
            }
        }
        return image;
    }

    static byte[] encode(final BufferedImage image, final String format) throws IOException {
        final ByteArrayOutputStream output = new ByteArrayOutputStream();
        ImageIO.write(image, format, output);
        return output.toByteArray();
    }
}

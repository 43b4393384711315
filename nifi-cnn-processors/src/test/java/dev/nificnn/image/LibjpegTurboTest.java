package dev.nificnn.image;

import dev.nificnn.testing.LibjpegTurboRequirement;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The libjpeg-turbo path against ImageIO and Pillow. Needs Debian's libturbojpeg0: without it these tests are skipped with the
 * reason, unless NIFICNN_REQUIRE_LIBJPEG_TURBO=true (as in .ci/run), which turns its absence into a failure.
 */
class LibjpegTurboTest {

    private static JpegDecompressor turbo;
    private final ImageDecoder decoder = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS);
    private final ImageDecoder imageIo = ImageDecoder.withoutLibjpegTurbo(ImageDecoder.DEFAULT_MAX_PIXELS);

    @BeforeAll
    static void loadLibrary() {
        LibjpegTurboRequirement.require();
        turbo = LibjpegTurbo.decompressor().orElseThrow();
    }

    @Test
    void statusNamesTheLibrary() {
        assertTrue(ImageDecoder.jpegDecoderStatus().startsWith("libjpeg-turbo ("), ImageDecoder.jpegDecoderStatus());
    }

    /** Same integer IDCT and fancy upsampling as the JDK's libjpeg 6b and Pillow's libjpeg-turbo: the same bytes. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"subsampling-444.jpg", "subsampling-422.jpg", "subsampling-420.jpg", "progressive.jpg"})
    void decodesFixturesToTheBytesOfImageIoAndPillow(final String file) throws ImageDecodeException {
        final byte[] jpeg = ImageFixtures.bytes("decode/" + file);
        final RgbImage decoded = turbo.decompress(jpeg, ImageDecoder.DEFAULT_MAX_PIXELS);
        assertNotNull(decoded, file);
        assertEquals(0, ImageDecoderTest.largestDifference(decoded, ImageFixtures.reference("decode/expected/" + file + ".npy")), file + " vs Pillow");
        assertArrayEquals(imageIo.decode(jpeg).image().pixels(), decoded.pixels(), file + " vs ImageIO");
    }

    @Test
    void decodesAPhotoSizedJpegToTheBytesOfImageIo() throws IOException, ImageDecodeException {
        final byte[] jfif = ImageDecoderTest.encode(ImageDecoderTest.photo(500, 375), "jpeg");
        for (final byte[] jpeg : new byte[][] {jfif, JpegColorTest.withoutJfif(jfif)}) {
            final RgbImage decoded = turbo.decompress(jpeg, ImageDecoder.DEFAULT_MAX_PIXELS);
            assertEquals(500, decoded.width());
            assertEquals(375, decoded.height());
            assertArrayEquals(imageIo.decode(jpeg).image().pixels(), decoded.pixels());
        }
    }

    @Test
    void decoderTakesTheLibjpegTurboPathForPlainJpegsOnly() throws IOException, ImageDecodeException {
        final byte[] jpeg = ImageDecoderTest.encode(ImageDecoderTest.photo(160, 120), "jpeg");
        // ImageIO's fast path hands over unconverted YCbCr; libjpeg-turbo hands over RGB.
        assertTrue(imageIo.decodePixels(jpeg).pixels().ycbcr());
        final PixelView view = decoder.decodePixels(jpeg).pixels();
        assertFalse(view.ycbcr());
        assertArrayEquals(turbo.decompress(jpeg, ImageDecoder.DEFAULT_MAX_PIXELS).pixels(), view.data());
        // An EXIF-rotated JPEG is decoded natively too, then turned upright.
        final byte[] rotated = ImageFixtures.bytes("decode/orientation6.jpg");
        assertNotNull(turbo.decompress(rotated, ImageDecoder.DEFAULT_MAX_PIXELS));
        assertArrayEquals(imageIo.decode(rotated).image().pixels(), decoder.decode(rotated).image().pixels());
        // A CMYK (Adobe) JPEG is not plain YCbCr: the decoder does not offer it to libjpeg-turbo, which would decline it anyway.
        final byte[] cmyk = ImageFixtures.bytes("decode/cmyk.jpg");
        assertFalse(JpegHeader.isPlainYCbCr(cmyk));
        assertNull(turbo.decompress(cmyk, ImageDecoder.DEFAULT_MAX_PIXELS));
        assertArrayEquals(imageIo.decode(cmyk).image().pixels(), decoder.decode(cmyk).image().pixels());
    }

    /** tjDecompress2 might reach a tiny image's draft size with another factor than 1/d: images under 16 pixels a side are decoded whole. */
    @Test
    void tinyImagesAreNotDrafted() throws IOException {
        final RgbImage tiny = turbo.decompress(ImageDecoderTest.encode(ImageDecoderTest.photo(15, 40), "jpeg"), ImageDecoder.DEFAULT_MAX_PIXELS, (w, h) -> 8);
        assertEquals(15, tiny.width());
        assertEquals(40, tiny.height());
        final RgbImage drafted = turbo.decompress(ImageDecoderTest.encode(ImageDecoderTest.photo(16, 40), "jpeg"), ImageDecoder.DEFAULT_MAX_PIXELS, (w, h) -> 8);
        assertEquals(2, drafted.width());
        assertEquals(5, drafted.height());
    }

    /** libjpeg-turbo upsamples 4:4:0 chroma (full width, half height) differently from libjpeg 6b: it must decline those. */
    @Test
    void fourFourZeroSubsamplingIsLeftToImageIo() throws IOException, ImageDecodeException {
        final byte[] jpeg = encodeWithLumaSampling(ImageDecoderTest.photo(96, 80), 1, 2);
        assertTrue(JpegHeader.isPlainYCbCr(jpeg));
        assertNull(turbo.decompress(jpeg, ImageDecoder.DEFAULT_MAX_PIXELS));
        assertArrayEquals(imageIo.decode(jpeg).image().pixels(), decoder.decode(jpeg).image().pixels());
        // The same picture at 4:2:0 (luma sampled 2 x 2) is decoded natively, to ImageIO's bytes.
        final byte[] subsampled = encodeWithLumaSampling(ImageDecoderTest.photo(96, 80), 2, 2);
        assertArrayEquals(imageIo.decode(subsampled).image().pixels(), turbo.decompress(subsampled, ImageDecoder.DEFAULT_MAX_PIXELS).pixels());
    }

    /** A JFIF JPEG from the JDK's writer with the given luma sampling factors (chroma 1 x 1), quality 0.9. */
    private static byte[] encodeWithLumaSampling(final BufferedImage image, final int horizontal, final int vertical) throws IOException {
        final ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try {
            final ImageWriteParam parameters = writer.getDefaultWriteParam();
            parameters.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            parameters.setCompressionQuality(0.9f);
            final IIOMetadata metadata = writer.getDefaultImageMetadata(new ImageTypeSpecifier(image), parameters);
            final String format = "javax_imageio_jpeg_image_1.0";
            final IIOMetadataNode root = (IIOMetadataNode) metadata.getAsTree(format);
            final IIOMetadataNode luma = (IIOMetadataNode) root.getElementsByTagName("componentSpec").item(0);
            luma.setAttribute("HsamplingFactor", Integer.toString(horizontal));
            luma.setAttribute("VsamplingFactor", Integer.toString(vertical));
            metadata.setFromTree(format, root);
            final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ImageOutputStream output = ImageIO.createImageOutputStream(bytes)) {
                writer.setOutput(output);
                writer.write(null, new IIOImage(image, null, metadata), parameters);
            }
            return bytes.toByteArray();
        } finally {
            writer.dispose();
        }
    }

    @Test
    void truncatedJpegIsDeclinedAndRefusedInImageIoWords() throws IOException {
        final byte[] jpeg = ImageDecoderTest.encode(ImageDecoderTest.photo(160, 120), "jpeg");
        for (final int length : new int[] {jpeg.length / 2, jpeg.length - 2, 200}) {
            final byte[] truncated = Arrays.copyOf(jpeg, length);
            assertNull(turbo.decompress(truncated, ImageDecoder.DEFAULT_MAX_PIXELS), "libjpeg-turbo stops on the premature-end warning");
            final ImageDecodeException error = assertThrows(ImageDecodeException.class, () -> decoder.decodePixels(truncated));
            final ImageDecodeException expected = assertThrows(ImageDecodeException.class, () -> imageIo.decodePixels(truncated));
            assertEquals(expected.getMessage(), error.getMessage());
            assertTrue(error.getMessage().contains("truncated"), error.getMessage());
        }
    }

    @Test
    void jpegOverThePixelLimitIsDeclinedAndRefused() throws IOException {
        final byte[] jpeg = ImageDecoderTest.encode(ImageDecoderTest.photo(160, 120), "jpeg");
        assertNull(turbo.decompress(jpeg, 160 * 120 - 1));
        assertNotNull(turbo.decompress(jpeg, 160 * 120));
        final ImageDecodeException error = assertThrows(ImageDecodeException.class, () -> new ImageDecoder(160 * 120 - 1).decodePixels(jpeg));
        assertTrue(error.getMessage().contains("160 x 120 = 19200 pixels, more than the Maximum Image Pixels limit of 19199"), error.getMessage());
    }

    @Test
    void corruptEntropyDataIsDeclined() throws IOException {
        final byte[] jpeg = ImageDecoderTest.encode(ImageDecoderTest.photo(160, 120), "jpeg");
        final byte[] corrupt = jpeg.clone();
        // Overwrite the middle of the scan with a marker-free run of bytes that is not valid Huffman data for these tables.
        Arrays.fill(corrupt, corrupt.length / 2, corrupt.length / 2 + 64, (byte) 0x7f);
        Arrays.fill(corrupt, corrupt.length / 2 + 64, corrupt.length / 2 + 65, (byte) 0xff);
        assertNull(turbo.decompress(corrupt, ImageDecoder.DEFAULT_MAX_PIXELS), "a warning or error makes libjpeg-turbo decline");
        assertNull(turbo.decompress("not a jpeg".getBytes(), ImageDecoder.DEFAULT_MAX_PIXELS));
        assertNull(turbo.decompress(new byte[0], ImageDecoder.DEFAULT_MAX_PIXELS));
    }

    /** Each call makes its own TurboJPEG handle and native buffers: threads must not see each other's pixels. */
    @Test
    void concurrentDecodesGiveEachThreadItsOwnPixels() throws Exception {
        final List<byte[]> jpegs = new ArrayList<>();
        final List<byte[]> expected = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            final byte[] jpeg = ImageDecoderTest.encode(ImageDecoderTest.photo(97 + 31 * i, 61 + 17 * i), "jpeg");
            jpegs.add(jpeg);
            expected.add(imageIo.decode(jpeg).image().pixels());
        }
        final ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            final List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                final int first = t;
                results.add(threads.submit(() -> {
                    int matching = 0;
                    for (int i = 0; i < 200; i++) {
                        final int which = (first + i) % 4;
                        if (Arrays.equals(expected.get(which), turbo.decompress(jpegs.get(which), ImageDecoder.DEFAULT_MAX_PIXELS).pixels())) {
                            matching++;
                        }
                    }
                    return matching;
                }));
            }
            for (final Future<Integer> result : results) {
                assertEquals(200, result.get());
            }
        } finally {
            threads.shutdownNow();
        }
    }
}

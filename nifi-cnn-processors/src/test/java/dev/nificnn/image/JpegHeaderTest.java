package dev.nificnn.image;

import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which JPEGs may take the unconverted YCbCr decoding path: only plain YCbCr ones without an Adobe marker or ICC profile. */
class JpegHeaderTest {

    @Test
    void jfifAndBareYCbCrJpegsArePlain() throws IOException {
        final byte[] jfif = ImageDecoderTest.encode(ImageDecoderTest.photo(40, 30), "jpeg");
        assertTrue(JpegHeader.isPlainYCbCr(jfif));
        assertTrue(JpegHeader.isPlainYCbCr(JpegColorTest.withoutJfif(jfif)), "component ids 1, 2, 3 mean YCbCr without a JFIF marker");
        assertTrue(JpegHeader.isPlainYCbCr(ImageFixtures.bytes("decode/progressive.jpg")));
    }

    @Test
    void cmykAdobeIccGreyAndOtherContentAreNot() throws IOException {
        assertFalse(JpegHeader.isPlainYCbCr(ImageFixtures.bytes("decode/cmyk.jpg")));
        final byte[] jfif = ImageDecoderTest.encode(ImageDecoderTest.photo(40, 30), "jpeg");
        assertFalse(JpegHeader.isPlainYCbCr(insertAfterStart(jfif, 0xEE, "Adobe\0\144\0\0\0\0\1")), "Adobe marker");
        assertFalse(JpegHeader.isPlainYCbCr(insertAfterStart(jfif, 0xE2, "ICC_PROFILE\0\1\1")), "ICC profile");
        final byte[] grey = ImageDecoderTest.encode(greyImage(), "jpeg");
        assertFalse(JpegHeader.isPlainYCbCr(grey), "one component");
        assertFalse(JpegHeader.isPlainYCbCr(Arrays.copyOf(jfif, 30)), "header cut before the frame");
        assertFalse(JpegHeader.isPlainYCbCr(ImageFixtures.bytes("sources/photo37x29.png")));
        assertFalse(JpegHeader.isPlainYCbCr(new byte[0]));
    }

    private static BufferedImage greyImage() {
        final BufferedImage image = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
        image.getRaster().setSample(3, 3, 0, 200);
        return image;
    }

    /** The content with one more segment (marker, text body) right after the start-of-image marker. */
    static byte[] insertAfterStart(final byte[] jpeg, final int marker, final String body) {
        final byte[] bodyBytes = body.getBytes(StandardCharsets.ISO_8859_1);
        final byte[] result = new byte[jpeg.length + 4 + bodyBytes.length];
        result[0] = jpeg[0];
        result[1] = jpeg[1];
        result[2] = (byte) 0xFF;
        result[3] = (byte) marker;
        result[4] = (byte) ((bodyBytes.length + 2) >> 8);
        result[5] = (byte) (bodyBytes.length + 2);
        System.arraycopy(bodyBytes, 0, result, 6, bodyBytes.length);
        System.arraycopy(jpeg, 2, result, 6 + bodyBytes.length, jpeg.length - 2);
        return result;
    }
}

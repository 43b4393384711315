package dev.nificnn.image;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The declared-size check: the limit itself is allowed, and the product is taken in long so that no size slips through. */
class PixelLimitTest {

    private final PixelLimit limit = new PixelLimit(12);

    @Test
    void allowsExactlyTheLimit() {
        assertDoesNotThrow(() -> limit.check(ImageFormat.PNG, 4, 3));
        assertDoesNotThrow(() -> limit.check(ImageFormat.PNG, 12, 1));
    }

    @Test
    void refusesOnePixelOver() {
        final ImageDecodeException error = assertThrows(ImageDecodeException.class, () -> limit.check(ImageFormat.TIFF, 13, 1));
        assertEquals("TIFF image declares 13 x 1 = 13 pixels, more than the Maximum Image Pixels limit of 12; refused before decoding", error.getMessage());
    }

    @Test
    void refusesASizeWhoseIntProductWouldOverflowToZero() {
        final ImageDecodeException error = assertThrows(ImageDecodeException.class,
                () -> new PixelLimit(ImageDecoder.DEFAULT_MAX_PIXELS).check(ImageFormat.BMP, 65_536, 65_536));
        assertEquals("BMP image declares 65536 x 65536 = 4294967296 pixels, more than the Maximum Image Pixels limit of 50000000; refused before decoding",
                error.getMessage());
    }

    @Test
    void refusesAnEmptySize() {
        final ImageDecodeException error = assertThrows(ImageDecodeException.class, () -> limit.check(ImageFormat.GIF, 0, 5));
        assertEquals("GIF image declares an empty size of 0 x 5", error.getMessage());
    }

    @Test
    void limitMustBePositive() {
        final IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> new ImageDecoder(0));
        assertEquals("Maximum pixels must be positive, not 0", error.getMessage());
    }
}

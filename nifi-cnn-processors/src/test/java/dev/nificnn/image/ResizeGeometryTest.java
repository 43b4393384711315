package dev.nificnn.image;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The torchvision-style shorter side geometry ({@code Resize(S)} then {@code CenterCrop}) at ImageNet sizes. The expected values
 * were computed in Python with torchvision's rules: longer side {@code int(S * long / short)}, offset {@code int(round((scaled - crop) / 2.0))}.
 */
class ResizeGeometryTest {

    @ParameterizedTest(name = "{0}x{1} shorter side {2} -> {3}x{4}, crop at {5},{6}")
    @CsvSource({
        "500, 375, 256, 341, 256, 58, 16",   // 58.5 rounds half to even
        "375, 500, 256, 256, 341, 16, 58",
        "333, 500, 256, 256, 384, 16, 80",   // 384.38 truncated
        "300, 200, 256, 384, 256, 80, 16",
        "1000, 999, 256, 256, 256, 16, 16",  // 256.26 truncated: square after scaling
        "500, 375, 232, 309, 232, 42, 4",
    })
    void followsTorchvision(final int sourceWidth, final int sourceHeight, final int shorterSide, final int scaledWidth, final int scaledHeight,
                            final int cropX, final int cropY) {
        final ResizeGeometry geometry = ResizeGeometry.of(sourceWidth, sourceHeight, 224, 224, ResizeMode.SHORTER_SIDE_CROP, shorterSide);
        assertEquals(new ResizeGeometry(scaledWidth, scaledHeight, cropX, cropY, 0, 0, 224, 224), geometry);
    }

    @Test
    void zeroShorterSideKeepsTheScaleToTargetGeometry() {
        final ResizeGeometry geometry = ResizeGeometry.of(500, 375, 224, 224, ResizeMode.SHORTER_SIDE_CROP, 0);
        assertEquals(ResizeGeometry.of(500, 375, 224, 224, ResizeMode.SHORTER_SIDE_CROP), geometry);
        assertEquals(new ResizeGeometry(299, 224, 37, 0, 0, 0, 224, 224), geometry);
    }
}

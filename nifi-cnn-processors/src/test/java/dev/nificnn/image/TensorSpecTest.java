package dev.nificnn.image;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shorter side length of a {@link TensorSpec}: defaulted by the nine-argument constructor, validated, part of equality. */
class TensorSpecTest {

    private static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] STD = {0.229f, 0.224f, 0.225f};

    @Test
    void nineArgumentConstructorHasNoShorterSide() {
        final TensorSpec spec = new TensorSpec(224, 224, ResizeMode.SHORTER_SIDE_CROP, Interpolation.BILINEAR, TensorLayout.CHW, ChannelOrder.RGB,
                1f / 255f, MEAN, STD);
        assertEquals(0, spec.shorterSide());
        final TensorSpec resNet = spec.withShorterSide(256);
        assertEquals(256, resNet.shorterSide());
        assertEquals(new TensorSpec(224, 224, ResizeMode.SHORTER_SIDE_CROP, Interpolation.BILINEAR, TensorLayout.CHW, ChannelOrder.RGB,
                1f / 255f, MEAN, STD, 256), resNet);
        assertNotEquals(spec, resNet);
        assertNotEquals(spec.hashCode(), resNet.hashCode());
        assertTrue(resNet.toString().contains("shorterSide=256"), resNet.toString());
    }

    @Test
    void refusesShorterSideOutsideShorterSideCropOrSmallerThanTheCrop() {
        final TensorSpec stretch = TensorSpec.unnormalised(224, 224, ResizeMode.STRETCH, Interpolation.BILINEAR, TensorLayout.CHW, ChannelOrder.RGB);
        assertThrows(IllegalArgumentException.class, () -> stretch.withShorterSide(256));
        final TensorSpec crop = TensorSpec.unnormalised(224, 200, ResizeMode.SHORTER_SIDE_CROP, Interpolation.BILINEAR, TensorLayout.CHW, ChannelOrder.RGB);
        assertThrows(IllegalArgumentException.class, () -> crop.withShorterSide(223));
        assertThrows(IllegalArgumentException.class, () -> crop.withShorterSide(-1));
        assertEquals(224, crop.withShorterSide(224).shorterSide());
    }
}

package dev.nificnn.onnx;

import dev.nificnn.image.TensorLayout;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class FeaturePoolingTest {

    @Test
    void poolsEachChannelOfAChannelsFirstLayer() {
        // 2 channels x 1 x 3 positions: channel 0 = 1, 2, 6; channel 1 = -1, -5, 0.5
        final float[] values = {1f, 2f, 6f, -1f, -5f, 0.5f};
        final long[] shape = {2, 1, 3};
        assertArrayEquals(new float[] {3f, -5.5f / 3}, FeaturePooling.GLOBAL_AVERAGE.apply(values, shape, TensorLayout.CHW));
        assertArrayEquals(new float[] {6f, 0.5f}, FeaturePooling.GLOBAL_MAX.apply(values, shape, TensorLayout.CHW));
        assertArrayEquals(values, FeaturePooling.NONE.apply(values, shape, TensorLayout.CHW));
    }

    @Test
    void poolsEachChannelOfAChannelsLastLayer() {
        // 3 positions x 2 channels, the same values as above laid out channels last
        final float[] values = {1f, -1f, 2f, -5f, 6f, 0.5f};
        final long[] shape = {1, 3, 2};
        assertArrayEquals(new float[] {3f, -5.5f / 3}, FeaturePooling.GLOBAL_AVERAGE.apply(values, shape, TensorLayout.HWC));
        assertArrayEquals(new float[] {6f, 0.5f}, FeaturePooling.GLOBAL_MAX.apply(values, shape, TensorLayout.HWC));
    }

    @Test
    void matchesAPlainSumOverSqueezeNetsFire9Shape() {
        final int channels = 512;
        final int positions = 13 * 13;
        final float[] values = new float[channels * positions];
        final SplittableRandom random = new SplittableRandom(3);
        for (int index = 0; index < values.length; index++) {
            values[index] = (float) (random.nextDouble() * 40 - 5);
        }
        final float[] pooled = FeaturePooling.GLOBAL_AVERAGE.apply(values, new long[] {channels, 13, 13}, TensorLayout.CHW);
        final float[] maxima = FeaturePooling.GLOBAL_MAX.apply(values, new long[] {channels, 13, 13}, TensorLayout.CHW);
        for (int channel = 0; channel < channels; channel++) {
            double sum = 0;
            float maximum = Float.NEGATIVE_INFINITY;
            for (int position = 0; position < positions; position++) {
                sum += values[channel * positions + position];
                maximum = Math.max(maximum, values[channel * positions + position]);
            }
            assertEquals((float) (sum / positions), pooled[channel], 1e-6f * Math.abs((float) (sum / positions)), "channel " + channel);
            assertEquals(maximum, maxima[channel], "channel " + channel);
        }
    }
}

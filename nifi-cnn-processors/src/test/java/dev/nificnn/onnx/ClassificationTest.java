package dev.nificnn.onnx;

import dev.nificnn.image.TensorLayout;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ClassificationTest {

    @Test
    void ranksTheBestClassesFirst() {
        final float[] scores = {0.1f, 0.4f, 0.05f, 0.3f, 0.15f};
        final List<ScoredClass> top = Classification.topK(scores, OutputKind.PROBABILITIES, List.of("a", "b", "c", "d", "e"), 3);
        assertEquals(List.of(new ScoredClass(1, "b", 0.4f), new ScoredClass(3, "d", 0.3f), new ScoredClass(4, "e", 0.15f)), top);
    }

    @Test
    void keepsTheLowerIndexOnTiesAndStopsAtTheClassCount() {
        final List<ScoredClass> top = Classification.topK(new float[]{0.5f, 0.25f, 0.25f}, OutputKind.PROBABILITIES, null, 10);
        assertEquals(List.of(new ScoredClass(0, "class 0", 0.5f), new ScoredClass(1, "class 1", 0.25f), new ScoredClass(2, "class 2", 0.25f)), top);
    }

    @Test
    void appliesSoftmaxToLogits() {
        // softmax(ln 1, ln 3) = (0.25, 0.75)
        final float[] logits = {0f, (float) Math.log(3)};
        assertArrayEquals(new float[]{0.25f, 0.75f}, Classification.softmax(logits), 1e-6f);
        final List<ScoredClass> top = Classification.topK(logits, OutputKind.LOGITS, List.of("no", "yes"), 1);
        assertEquals("yes", top.getFirst().label());
        assertEquals(0.75f, top.getFirst().score(), 1e-6f);
        // Large logits do not overflow.
        assertArrayEquals(new float[]{0.5f, 0.5f}, Classification.softmax(new float[]{1000f, 1000f}), 1e-6f);
    }

    @Test
    void poolsChannelsFirstAndLast() {
        // Two channels of 2x2: channel 0 = 1,2,3,6; channel 1 = -1,0,0,5.
        final float[] channelsFirst = {1, 2, 3, 6, -1, 0, 0, 5};
        assertArrayEquals(new float[]{3, 1}, FeaturePooling.GLOBAL_AVERAGE.apply(channelsFirst, new long[]{2, 2, 2}, TensorLayout.CHW));
        assertArrayEquals(new float[]{6, 5}, FeaturePooling.GLOBAL_MAX.apply(channelsFirst, new long[]{2, 2, 2}, TensorLayout.CHW));
        final float[] channelsLast = {1, -1, 2, 0, 3, 0, 6, 5};
        assertArrayEquals(new float[]{3, 1}, FeaturePooling.GLOBAL_AVERAGE.apply(channelsLast, new long[]{2, 2, 2}, TensorLayout.HWC));
        assertArrayEquals(channelsFirst, FeaturePooling.NONE.apply(channelsFirst, new long[]{2, 2, 2}, TensorLayout.CHW));
        final float[] vector = {3, 4};
        assertArrayEquals(vector, FeaturePooling.GLOBAL_MAX.apply(vector, new long[]{2}, TensorLayout.CHW));
        assertArrayEquals(new float[]{0.6f, 0.8f}, FeaturePooling.l2Normalize(new float[]{3, 4}), 1e-6f);
        assertArrayEquals(new float[]{0, 0}, FeaturePooling.l2Normalize(new float[]{0, 0}));
    }
}

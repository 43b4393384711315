package dev.nificnn.onnx.graph;

import dev.nificnn.onnx.generate.SmallModels;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class OnnxInitializersTest {

    @Test
    void readsTheWeightsTheBuilderWrote() {
        final byte[] model = SmallModels.smallClassifier().toByteArray();
        final Map<String, long[]> shapes = OnnxInitializers.shapes(model);
        assertEquals(List.of("conv_w", "conv_b", "dense_w", "dense_b"), List.copyOf(shapes.keySet()));
        assertArrayEquals(new long[] {2, 2, 1, 1}, shapes.get("conv_w"));
        final OnnxInitializers.FloatTensor dense = OnnxInitializers.readFloats(model, "dense_w");
        assertArrayEquals(new long[] {2, 2}, dense.shape());
        assertArrayEquals(new float[] {1, 4, 0.5f, -2}, dense.values(), 0f);
        final IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> OnnxInitializers.readFloats(model, "fc7_w"));
        assertEquals("Model has no initializer named 'fc7_w'", missing.getMessage());
    }
}

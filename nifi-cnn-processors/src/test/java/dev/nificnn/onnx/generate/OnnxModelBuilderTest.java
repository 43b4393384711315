package dev.nificnn.onnx.generate;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class OnnxModelBuilderTest {

    private static final OrtEnvironment ENVIRONMENT = OrtEnvironment.getEnvironment();

    @Test
    void smallClassifierOutputsEqualHandArithmetic() throws OrtException {
        final byte[] model = SmallModels.smallClassifier().toByteArray();
        try (OrtSession session = ENVIRONMENT.createSession(model, new OrtSession.SessionOptions());
             OnnxTensor input = OnnxTensor.createTensor(ENVIRONMENT, FloatBuffer.wrap(SmallModels.smallClassifierInput()), new long[] {2, 2, 2, 2});
             OrtSession.Result result = session.run(Map.of("image", input))) {
            assertEquals(-1L, ((TensorInfo) session.getInputInfo().get("image").getInfo()).getShape()[0], "dynamic batch");
            // Image 1: conv channel 0 = x0 + x1 = [1,2,4,5], channel 1 = x0 - x1 - 2 = [-1,0,0,1]; ReLU; means 3 and 0.25;
            // logits = [3*1 + 0.25*4 + 0, 3*0.5 - 0.25*2 + 1] = [4, 2]; softmax = [1/(1+e^-2), 1/(1+e^2)].
            // Image 2: both conv channels are negative everywhere, so ReLU gives 0, logits = bias = [0, 1]; softmax = [1/(1+e), e/(1+e)].
            final float[] expected = {0.8807971f, 0.1192029f, 0.26894142f, 0.7310586f};
            final OnnxTensor probabilities = (OnnxTensor) result.get("probabilities").orElseThrow();
            assertArrayEquals(new long[] {2, 2}, probabilities.getInfo().getShape());
            assertArrayEquals(expected, values(probabilities), 1e-6f);
        }
    }

    @Test
    void float16InputIsCastToFloat() throws OrtException {
        final byte[] model = new OnnxModelBuilder("half-input")
                .input("half", OnnxElementType.FLOAT16, OnnxModelBuilder.BATCH, 4)
                .initializer("offset", new float[] {1, 2, 3, 4}, 4)
                .initializer("projection", new float[] {1, 0, 0, 1, 1, 0, 0, 1}, 4, 2)
                .cast("half", "single", OnnxElementType.FLOAT)
                .add("single", "offset", "shifted")
                .matMul("shifted", "projection", "sums")
                .output("shifted", OnnxElementType.FLOAT, OnnxModelBuilder.BATCH, 4)
                .output("sums", OnnxElementType.FLOAT, OnnxModelBuilder.BATCH, 2)
                .toByteArray();
        final float[] halfValues = {1.5f, -2f, 0.1f, 1024f};
        final ByteBuffer half = ByteBuffer.allocateDirect(halfValues.length * Short.BYTES).order(ByteOrder.nativeOrder());
        for (final float value : halfValues) {
            half.putShort(Float.floatToFloat16(value));
        }
        half.flip();
        try (OrtSession session = ENVIRONMENT.createSession(model, new OrtSession.SessionOptions());
             OnnxTensor input = OnnxTensor.createTensor(ENVIRONMENT, half, new long[] {1, 4}, OnnxJavaType.FLOAT16);
             OrtSession.Result result = session.run(Map.of("half", input))) {
            assertEquals(OnnxJavaType.FLOAT16, ((TensorInfo) session.getInputInfo().get("half").getInfo()).type);
            // 0.1 is not a float16 value: the nearest one is 0.0999755859375 (1638/16384).
            final float[] shifted = values((OnnxTensor) result.get("shifted").orElseThrow());
            assertArrayEquals(new float[] {2.5f, 0f, 3.0999755859375f, 1028f}, shifted, 0f);
            // projection sums elements 0 and 2, and 1 and 3.
            final float[] sums = values((OnnxTensor) result.get("sums").orElseThrow());
            assertArrayEquals(new float[] {2.5f + 3.0999755859375f, 1028f}, sums, 1e-6f);
        }
    }

    @Test
    void poolingAndNormalisationEqualHandArithmetic() throws OrtException {
        final byte[] model = new OnnxModelBuilder("pooling")
                .input("grid", OnnxElementType.FLOAT, OnnxModelBuilder.BATCH, 1, 4, 4)
                .maxPool("grid", "max", 2, 2, 0)
                .maxPool("grid", "max_padded", 3, 1, 1)
                .averagePool("grid", "average", 2, 2, 0)
                .dropout("grid", "kept")
                .lrn("kept", "normalised", 1, 1f, 1f, 1f)
                .output("max", OnnxElementType.FLOAT, OnnxModelBuilder.BATCH, 1, 2, 2)
                .output("max_padded", OnnxElementType.FLOAT, OnnxModelBuilder.BATCH, 1, 4, 4)
                .output("average", OnnxElementType.FLOAT, OnnxModelBuilder.BATCH, 1, 2, 2)
                .output("normalised", OnnxElementType.FLOAT, OnnxModelBuilder.BATCH, 1, 4, 4)
                .toByteArray();
        final float[] grid = new float[16];
        for (int index = 0; index < grid.length; index++) {
            grid[index] = index;
        }
        try (OrtSession session = ENVIRONMENT.createSession(model, new OrtSession.SessionOptions());
             OnnxTensor input = OnnxTensor.createTensor(ENVIRONMENT, FloatBuffer.wrap(grid), new long[] {1, 1, 4, 4});
             OrtSession.Result result = session.run(Map.of("grid", input))) {
            // grid rows: 0 1 2 3 / 4 5 6 7 / 8 9 10 11 / 12 13 14 15
            assertArrayEquals(new float[] {5, 7, 13, 15}, values((OnnxTensor) result.get("max").orElseThrow()), 0f);
            assertArrayEquals(new float[] {5, 6, 7, 7, 9, 10, 11, 11, 13, 14, 15, 15, 13, 14, 15, 15},
                    values((OnnxTensor) result.get("max_padded").orElseThrow()), 0f);
            assertArrayEquals(new float[] {2.5f, 4.5f, 10.5f, 12.5f}, values((OnnxTensor) result.get("average").orElseThrow()), 0f);
            // LRN over a window of one channel: x / (1 + 1/1 * x^2)^1.
            final float[] normalised = values((OnnxTensor) result.get("normalised").orElseThrow());
            for (int index = 0; index < grid.length; index++) {
                assertEquals(index / (1f + index * index), normalised[index], 1e-6f);
            }
        }
    }

    @Test
    void serializedSizeMatchesTheBytesWrittenAndWritingTwiceGivesTheSameBytes() {
        final OnnxModelBuilder builder = SmallModels.smallClassifier();
        final byte[] first = builder.toByteArray();
        assertEquals(builder.serializedSize(), first.length);
        assertArrayEquals(first, builder.toByteArray());
    }

    @Test
    void initializerWithTheWrongNumberOfValuesIsRejected() {
        final IllegalArgumentException exception = assertThrows(IllegalArgumentException.class,
                () -> new OnnxModelBuilder("bad").initializer("w", new float[] {1, 2, 3}, 2, 2));
        assertEquals("Initializer 'w' has 3 values but its shape [2, 2] holds 4", exception.getMessage());
    }

    @Test
    void invalidGraphIsRejectedByOnnxRuntime() {
        final byte[] model = new OnnxModelBuilder("dangling")
                .input("x", OnnxElementType.FLOAT, 1, 2)
                .node("Relu", List.of("missing"), List.of("y"))
                .output("y", OnnxElementType.FLOAT, 1, 2)
                .toByteArray();
        assertThrows(OrtException.class, () -> ENVIRONMENT.createSession(model, new OrtSession.SessionOptions()).close());
    }

    static float[] values(final OnnxTensor tensor) {
        final FloatBuffer buffer = tensor.getFloatBuffer();
        final float[] values = new float[buffer.remaining()];
        buffer.get(values);
        return values;
    }
}

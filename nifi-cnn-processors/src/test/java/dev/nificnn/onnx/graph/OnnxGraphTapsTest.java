package dev.nificnn.onnx.graph;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.nificnn.testing.SharedData;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OnnxGraphTapsTest {

    private static final String SQUEEZENET = "models/squeezenet1.1-fp32.onnx";
    private static final String SQUEEZENET_TAP = "fire9/concat_1";

    @Test
    void squeezeNetTapAddsFire9OutputAndLeavesSoftmaxUnchanged() throws IOException, OrtException {
        final byte[] original = Files.readAllBytes(SharedData.require(SQUEEZENET));
        final byte[] tapped = OnnxGraphTaps.addOutputs(original, List.of(SQUEEZENET_TAP));

        final float[] image = new float[3 * 224 * 224];
        final SplittableRandom random = new SplittableRandom(7);
        for (int index = 0; index < image.length; index++) {
            image[index] = (float) (random.nextDouble() * 255.0 - 117.0);
        }
        final OrtEnvironment environment = OrtEnvironment.getEnvironment();
        final float[] originalProbabilities;
        try (OrtSession session = environment.createSession(original, new OrtSession.SessionOptions());
             OnnxTensor input = OnnxTensor.createTensor(environment, FloatBuffer.wrap(image), new long[] {1, 3, 224, 224});
             OrtSession.Result result = session.run(Map.of("data_0", input))) {
            assertEquals(List.of("softmaxout_1"), List.copyOf(session.getOutputNames()));
            originalProbabilities = flatten(result.get("softmaxout_1").orElseThrow());
        }
        try (OrtSession session = environment.createSession(tapped, new OrtSession.SessionOptions());
             OnnxTensor input = OnnxTensor.createTensor(environment, FloatBuffer.wrap(image), new long[] {1, 3, 224, 224});
             OrtSession.Result result = session.run(Map.of("data_0", input))) {
            assertEquals(List.of("softmaxout_1", SQUEEZENET_TAP), List.copyOf(session.getOutputNames()));
            final Optional<ai.onnxruntime.OnnxValue> fire9 = result.get(SQUEEZENET_TAP);
            final OnnxTensor fire9Tensor = (OnnxTensor) fire9.orElseThrow();
            assertArrayEquals(new long[] {1, 512, 13, 13}, fire9Tensor.getInfo().getShape());
            final float[] features = flatten(fire9Tensor);
            // fire9/concat_1 concatenates two ReLU outputs: never negative, and not all zero.
            double sum = 0;
            for (final float feature : features) {
                assertTrue(feature >= 0f);
                sum += feature;
            }
            assertTrue(sum > 0);
            assertArrayEquals(originalProbabilities, flatten(result.get("softmaxout_1").orElseThrow()), 0f);
            final NodeInfo tapInfo = session.getOutputInfo().get(SQUEEZENET_TAP);
            assertEquals(4, ((TensorInfo) tapInfo.getInfo()).getShape().length);
        }
        // A tensor that already is an output is not added twice, and the original weights stay a verbatim part of the model.
        assertArrayEquals(tapped, OnnxGraphTaps.addOutputs(tapped, List.of(SQUEEZENET_TAP, "softmaxout_1")));
        assertTrue(!OnnxGraphTaps.intermediateTensorNames(tapped).contains(SQUEEZENET_TAP));
        assertTrue(tapped.length > original.length && tapped.length < original.length + 100, "only one ValueInfoProto appended");
    }

    @Test
    void squeezeNetIntermediateNamesIncludeFire9AndExcludeTheOutput() throws IOException {
        final byte[] original = Files.readAllBytes(SharedData.require(SQUEEZENET));
        final List<String> names = OnnxGraphTaps.intermediateTensorNames(original);
        assertTrue(names.contains(SQUEEZENET_TAP));
        assertTrue(names.contains("conv10_1"), names.toString());
        assertTrue(!names.contains("softmaxout_1"));
    }

    @Test
    void unknownTensorNameIsRejectedWithTheTensorName() throws IOException {
        final byte[] original = Files.readAllBytes(SharedData.require(SQUEEZENET));
        final IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> OnnxGraphTaps.addOutputs(original, List.of("fc7")));
        assertEquals("Tensor 'fc7' is not produced by any node of the graph", unknown.getMessage());
    }

    @Test
    void notAModelIsRejectedClearly() {
        final IllegalArgumentException exception = assertThrows(IllegalArgumentException.class,
                () -> OnnxGraphTaps.addOutputs("this is not a model".getBytes(java.nio.charset.StandardCharsets.US_ASCII), List.of("x")));
        assertTrue(exception.getMessage().startsWith("Not an ONNX model"), exception.getMessage());
    }

    static float[] flatten(final ai.onnxruntime.OnnxValue value) {
        final FloatBuffer buffer = ((OnnxTensor) value).getFloatBuffer();
        final float[] values = new float[buffer.remaining()];
        buffer.get(values);
        return values;
    }

    static FloatBuffer direct(final float[] values) {
        final FloatBuffer buffer = ByteBuffer.allocateDirect(values.length * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        buffer.put(values).flip();
        return buffer;
    }
}

package dev.nificnn.onnx.graph;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.google.protobuf.CodedOutputStream;
import dev.nificnn.onnx.generate.SmallModels;
import dev.nificnn.testing.SharedData;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
            final OnnxTensor fire9Tensor = (OnnxTensor) result.get(SQUEEZENET_TAP).orElseThrow();
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
        assertFalse(OnnxGraphTaps.intermediateTensorNames(tapped).contains(SQUEEZENET_TAP));
        assertTrue(tapped.length > original.length && tapped.length < original.length + 100, "only one ValueInfoProto appended");
    }

    @Test
    void squeezeNetIntermediateNamesIncludeFire9AndExcludeTheOutput() throws IOException {
        final byte[] original = Files.readAllBytes(SharedData.require(SQUEEZENET));
        final List<String> names = OnnxGraphTaps.intermediateTensorNames(original);
        assertTrue(names.contains(SQUEEZENET_TAP));
        assertTrue(names.contains("conv10_1"), names.toString());
        assertFalse(names.contains("softmaxout_1"));
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
                () -> OnnxGraphTaps.addOutputs("this is not a model".getBytes(StandardCharsets.US_ASCII), List.of("x")));
        assertTrue(exception.getMessage().startsWith("Not an ONNX model"), exception.getMessage());
    }

    @Test
    void tappedReluPoolAndLogitsOfASmallConvNetEqualHandArithmetic() throws OrtException {
        final byte[] model = SmallModels.smallClassifier().toByteArray();
        assertEquals(List.of("conv", "relu", "pooled", "features", "logits"), OnnxGraphTaps.intermediateTensorNames(model));
        final byte[] tapped = OnnxGraphTaps.addOutputs(model, List.of("relu", "pooled", "logits"));
        final OrtEnvironment environment = OrtEnvironment.getEnvironment();
        try (OrtSession session = environment.createSession(tapped, new OrtSession.SessionOptions());
             OnnxTensor input = OnnxTensor.createTensor(environment, direct(SmallModels.smallClassifierInput()), new long[] {2, 2, 2, 2});
             OrtSession.Result result = session.run(Map.of("image", input))) {
            assertEquals(List.of("probabilities", "relu", "pooled", "logits"), List.copyOf(session.getOutputNames()));
            // Image 1, x0 = [1,2,3,4], x1 = [0,0,1,1]: relu(x0 + x1) = [1,2,4,5], relu(x0 - x1 - 2) = [0,0,0,1].
            // Image 2 is -x: x0 + x1 and x0 - x1 - 2 are negative everywhere, so ReLU gives zeros.
            final OnnxTensor relu = (OnnxTensor) result.get("relu").orElseThrow();
            assertArrayEquals(new long[] {2, 2, 2, 2}, relu.getInfo().getShape());
            assertArrayEquals(new float[] {1, 2, 4, 5, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}, flatten(relu), 0f);
            // Means of each channel: image 1 [3, 0.25], image 2 [0, 0].
            final OnnxTensor pooled = (OnnxTensor) result.get("pooled").orElseThrow();
            assertArrayEquals(new long[] {2, 2, 1, 1}, pooled.getInfo().getShape());
            assertArrayEquals(new float[] {3f, 0.25f, 0f, 0f}, flatten(pooled), 0f);
            // logits = pooled x [[1, 4], [0.5, -2]]' + [0, 1].
            assertArrayEquals(new float[] {4f, 2f, 0f, 1f}, flatten(result.get("logits").orElseThrow()), 1e-6f);
            assertArrayEquals(new float[] {0.8807971f, 0.1192029f, 0.26894142f, 0.7310586f},
                    flatten(result.get("probabilities").orElseThrow()), 1e-6f);
        }
    }

    @Test
    void initializerOrGraphInputIsNotATap() {
        final byte[] model = SmallModels.smallClassifier().toByteArray();
        final IllegalArgumentException weight = assertThrows(IllegalArgumentException.class,
                () -> OnnxGraphTaps.addOutputs(model, List.of("conv_w")));
        assertEquals("Tensor 'conv_w' is not produced by any node of the graph (it is a graph input or initializer, not a computed tensor)",
                weight.getMessage());
        assertThrows(IllegalArgumentException.class, () -> OnnxGraphTaps.addOutputs(model, List.of("relu", " ")));
    }

    @Test
    void modelWithExternalDataIsRejectedClearly() throws IOException {
        final byte[] model = modelWithExternalWeight();
        final IllegalArgumentException exception = assertThrows(IllegalArgumentException.class,
                () -> OnnxGraphTaps.addOutputs(model, List.of("y")));
        assertTrue(exception.getMessage().startsWith("Model keeps 1 tensor(s) in external data files (first: 'w')"), exception.getMessage());
        assertEquals(List.of("y"), OnnxGraphTaps.intermediateTensorNames(model));
    }

    /** A graph y = x + w, then z = relu(y), whose initializer w lies in an external file, encoded field by field. */
    private static byte[] modelWithExternalWeight() throws IOException {
        final byte[] location = encode(output -> {
            output.writeString(1, "location");
            output.writeString(2, "w.bin");
        });
        final byte[] tensor = encode(output -> {
            output.writeInt64(OnnxFieldNumbers.TENSOR_DIMS, 2);
            output.writeInt32(OnnxFieldNumbers.TENSOR_DATA_TYPE, 1);
            output.writeString(OnnxFieldNumbers.TENSOR_NAME, "w");
            output.writeByteArray(OnnxFieldNumbers.TENSOR_EXTERNAL_DATA, location);
            output.writeEnum(OnnxFieldNumbers.TENSOR_DATA_LOCATION, OnnxFieldNumbers.TENSOR_DATA_LOCATION_EXTERNAL);
        });
        final byte[] add = encode(output -> {
            output.writeString(OnnxFieldNumbers.NODE_INPUT, "x");
            output.writeString(OnnxFieldNumbers.NODE_INPUT, "w");
            output.writeString(OnnxFieldNumbers.NODE_OUTPUT, "y");
            output.writeString(OnnxFieldNumbers.NODE_OP_TYPE, "Add");
        });
        final byte[] relu = encode(output -> {
            output.writeString(OnnxFieldNumbers.NODE_INPUT, "y");
            output.writeString(OnnxFieldNumbers.NODE_OUTPUT, "z");
            output.writeString(OnnxFieldNumbers.NODE_OP_TYPE, "Relu");
        });
        final byte[] zOutput = encode(output -> output.writeString(OnnxFieldNumbers.VALUE_INFO_NAME, "z"));
        final byte[] graph = encode(output -> {
            output.writeByteArray(OnnxFieldNumbers.GRAPH_NODE, add);
            output.writeByteArray(OnnxFieldNumbers.GRAPH_NODE, relu);
            output.writeByteArray(OnnxFieldNumbers.GRAPH_INITIALIZER, tensor);
            output.writeByteArray(OnnxFieldNumbers.GRAPH_OUTPUT, zOutput);
        });
        return encode(output -> {
            output.writeInt64(OnnxFieldNumbers.MODEL_IR_VERSION, 7);
            output.writeByteArray(OnnxFieldNumbers.MODEL_GRAPH, graph);
        });
    }

    private interface FieldWriting {
        void writeTo(CodedOutputStream output) throws IOException;
    }

    private static byte[] encode(final FieldWriting writing) throws IOException {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final CodedOutputStream output = CodedOutputStream.newInstance(bytes);
        writing.writeTo(output);
        output.flush();
        return bytes.toByteArray();
    }

    static float[] flatten(final OnnxValue value) {
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

package dev.nificnn.onnx.generate;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nificnn.onnx.graph.OnnxGraphTaps;
import dev.nificnn.onnx.graph.OnnxInitializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Generates the 244 MB model once into target/ and checks shapes, taps, probabilities, determinism and the fc7 arithmetic. */
class AlexNetTopologyModelTest {

    private static final OrtEnvironment ENVIRONMENT = OrtEnvironment.getEnvironment();
    private static final Path MODEL_DIRECTORY = Path.of("target", "test-models");

    private static Path modelFile;
    private static OrtSession session;
    private static OnnxInitializers.FloatTensor fc7Weights;
    private static OnnxInitializers.FloatTensor fc7Bias;
    private static Map<String, long[]> initializerShapes;
    private static List<String> intermediateNames;
    private static byte[] fileSha256;

    @BeforeAll
    static void generateModel() throws IOException, OrtException, NoSuchAlgorithmException {
        modelFile = MODEL_DIRECTORY.resolve(AlexNetTopologyModel.FILE_NAME);
        AlexNetTopologyModel.write(modelFile, AlexNetTopologyModel.DEFAULT_SEED);
        final byte[] model = Files.readAllBytes(modelFile);
        fileSha256 = MessageDigest.getInstance("SHA-256").digest(model);
        initializerShapes = OnnxInitializers.shapes(model);
        intermediateNames = OnnxGraphTaps.intermediateTensorNames(model);
        fc7Weights = OnnxInitializers.readFloats(model, "fc7_w");
        fc7Bias = OnnxInitializers.readFloats(model, "fc7_b");
        final byte[] tapped = OnnxGraphTaps.addOutputs(model,
                List.of(AlexNetTopologyModel.POOL5, AlexNetTopologyModel.FC6, AlexNetTopologyModel.FC7));
        final OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(Math.max(1, Runtime.getRuntime().availableProcessors()));
        session = ENVIRONMENT.createSession(tapped, options);
    }

    @AfterAll
    static void closeSession() throws OrtException {
        if (session != null) {
            session.close();
        }
    }

    @Test
    void fileHoldsTheTorchvisionParameterCountAndFlops() throws IOException {
        assertEquals(61_100_840L, AlexNetTopologyModel.PARAMETER_COUNT);
        assertEquals(714_188_480L, AlexNetTopologyModel.MULTIPLY_ACCUMULATES_PER_IMAGE, "1.428 GFLOP per 224x224 image");
        long parameters = 0;
        for (final long[] shape : initializerShapes.values()) {
            long count = 1;
            for (final long dimension : shape) {
                count *= dimension;
            }
            parameters += count;
        }
        assertEquals(AlexNetTopologyModel.PARAMETER_COUNT, parameters);
        assertArrayEquals(new long[] {4096, 9216}, initializerShapes.get("fc6_w"));
        assertArrayEquals(new long[] {64, 3, 11, 11}, initializerShapes.get("conv1_w"));
        final long size = Files.size(modelFile);
        assertEquals(AlexNetTopologyModel.builder(AlexNetTopologyModel.DEFAULT_SEED).serializedSize(), size);
        assertTrue(size > AlexNetTopologyModel.PARAMETER_COUNT * Float.BYTES && size < AlexNetTopologyModel.PARAMETER_COUNT * Float.BYTES + 10_000);
    }

    @Test
    void inputAndOutputsHaveADynamicBatch() throws OrtException {
        assertArrayEquals(new long[] {-1, 3, 224, 224},
                ((TensorInfo) session.getInputInfo().get(AlexNetTopologyModel.INPUT_NAME).getInfo()).getShape());
        assertEquals(List.of(AlexNetTopologyModel.OUTPUT_NAME, "pool5", "fc6", "fc7"), List.copyOf(session.getOutputNames()));
        assertEquals(List.of("conv1", "conv1_relu", "pool1", "conv2", "conv2_relu", "pool2", "conv3", "conv3_relu", "conv4", "conv4_relu",
                        "conv5", "conv5_relu", "pool5", "pool5_flat", "fc6_gemm", "fc6", "fc7_gemm", "fc7", "fc8"),
                intermediateNames);
    }

    @Test
    void batchOfOneAndFourGiveTapShapesProbabilitiesAndTheSameRows() throws OrtException {
        final float[] images = images(4);
        final float[][] single;
        try (OnnxTensor input = OnnxTensor.createTensor(ENVIRONMENT, direct(images, 3 * 224 * 224), new long[] {1, 3, 224, 224});
             OrtSession.Result result = session.run(Map.of(AlexNetTopologyModel.INPUT_NAME, input))) {
            single = checkShapesAndProbabilities(result, 1);
        }
        try (OnnxTensor input = OnnxTensor.createTensor(ENVIRONMENT, direct(images, images.length), new long[] {4, 3, 224, 224});
             OrtSession.Result result = session.run(Map.of(AlexNetTopologyModel.INPUT_NAME, input))) {
            final float[][] batch = checkShapesAndProbabilities(result, 4);
            for (int output = 0; output < batch.length; output++) {
                final int rowLength = single[output].length;
                for (int index = 0; index < rowLength; index++) {
                    assertEquals(single[output][index], batch[output][index], 1e-4f + 1e-4f * Math.abs(single[output][index]),
                            "the first image of a batch of four gives what it gives alone");
                }
            }
            assertFalse(Arrays.equals(Arrays.copyOf(batch[0], 1000),
                    Arrays.copyOfRange(batch[0], 1000, 2000)), "different images give different probabilities");
        }
    }

    @Test
    void fc7TapEqualsReluOfFc6TimesTheModelsWeights() throws OrtException {
        final float[] images = images(2);
        try (OnnxTensor input = OnnxTensor.createTensor(ENVIRONMENT, direct(images, images.length), new long[] {2, 3, 224, 224});
             OrtSession.Result result = session.run(Map.of(AlexNetTopologyModel.INPUT_NAME, input))) {
            final float[] fc6 = values(result, AlexNetTopologyModel.FC6);
            final float[] fc7 = values(result, AlexNetTopologyModel.FC7);
            final float[] weights = fc7Weights.values();
            final float[] bias = fc7Bias.values();
            for (int row = 0; row < 2; row++) {
                double largest = 0;
                for (int output = 0; output < 4096; output++) {
                    double sum = bias[output];
                    for (int feature = 0; feature < 4096; feature++) {
                        sum += (double) weights[output * 4096 + feature] * fc6[row * 4096 + feature];
                    }
                    final double expected = Math.max(0, sum);
                    largest = Math.max(largest, expected);
                    assertEquals(expected, fc7[row * 4096 + output], 1e-4 + 1e-4 * Math.abs(expected), "fc7[" + row + "," + output + "]");
                }
                assertTrue(largest > 0.1, "fc7 is not all zero");
            }
        }
    }

    @Test
    void sameSeedGivesIdenticalBytesAndAnotherSeedDifferentBytes() throws IOException, NoSuchAlgorithmException {
        assertArrayEquals(fileSha256, digest(AlexNetTopologyModel.DEFAULT_SEED), "written again, the same seed gives the same bytes");
        assertFalse(Arrays.equals(fileSha256, digest(AlexNetTopologyModel.DEFAULT_SEED + 1)));
    }

    @Test
    void manifestDescribesTheGeneratedFile() throws IOException, OrtException {
        final JsonNode manifest = new ObjectMapper().readTree(Path.of("..", "models", "alexnet-topology-random.json").toFile());
        assertTrue(manifest.get("generated").asBoolean());
        assertEquals(AlexNetTopologyModel.FILE_NAME, manifest.get("file").asText());
        assertEquals(AlexNetTopologyModel.DEFAULT_SEED, manifest.get("seed").asLong());
        assertEquals(Files.size(modelFile), manifest.get("size").asLong());
        assertEquals(HexFormat.of().formatHex(fileSha256), manifest.get("sha256").asText());
        assertEquals(AlexNetTopologyModel.INPUT_NAME, manifest.get("input").get("name").asText());
        assertEquals(AlexNetTopologyModel.OUTPUT_NAME, manifest.get("output").get("name").asText());
        for (final String tap : List.of("pool5", "fc6", "fc7")) {
            final JsonNode declared = manifest.get("taps").get(tap);
            final long[] actual = ((TensorInfo) session.getOutputInfo().get(declared.get("tensor").asText()).getInfo()).getShape();
            final long[] shape = new long[declared.get("shape").size()];
            for (int index = 0; index < shape.length; index++) {
                shape[index] = declared.get("shape").get(index).asLong();
            }
            assertArrayEquals(actual, shape, tap);
        }
    }

    private static byte[] digest(final long seed) throws IOException, NoSuchAlgorithmException {
        final MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (OutputStream output = new DigestOutputStream(OutputStream.nullOutputStream(), digest)) {
            AlexNetTopologyModel.write(output, seed);
        }
        return digest.digest();
    }

    /** Checks every output's shape and the probabilities, and returns [probabilities, pool5, fc6, fc7] flattened. */
    private static float[][] checkShapesAndProbabilities(final OrtSession.Result result, final int batch) throws OrtException {
        assertArrayEquals(new long[] {batch, 1000}, shape(result, AlexNetTopologyModel.OUTPUT_NAME));
        assertArrayEquals(new long[] {batch, 256, 6, 6}, shape(result, AlexNetTopologyModel.POOL5));
        assertArrayEquals(new long[] {batch, 4096}, shape(result, AlexNetTopologyModel.FC6));
        assertArrayEquals(new long[] {batch, 4096}, shape(result, AlexNetTopologyModel.FC7));
        final float[] probabilities = values(result, AlexNetTopologyModel.OUTPUT_NAME);
        for (int row = 0; row < batch; row++) {
            double sum = 0;
            double largest = 0;
            for (int index = 0; index < 1000; index++) {
                final float probability = probabilities[row * 1000 + index];
                assertTrue(probability >= 0f && probability <= 1f);
                sum += probability;
                largest = Math.max(largest, probability);
            }
            assertEquals(1.0, sum, 1e-4);
            // Activations that neither vanish (uniform 0.001) nor explode (one class takes everything).
            assertTrue(largest > 0.002 && largest < 0.9, "largest probability " + largest);
        }
        final float[] fc7 = values(result, AlexNetTopologyModel.FC7);
        int positive = 0;
        for (final float value : fc7) {
            assertTrue(value >= 0f && value < 1000f);
            positive += value > 0f ? 1 : 0;
        }
        assertTrue(positive > fc7.length / 10 && positive < fc7.length * 9 / 10, "fc7 ReLU active for " + positive + " of " + fc7.length);
        return new float[][] {probabilities, values(result, AlexNetTopologyModel.POOL5), values(result, AlexNetTopologyModel.FC6), fc7};
    }

    /** Images with the statistics of torchvision-normalised pixels: uniform on [-2, 2]. */
    private static float[] images(final int count) {
        final float[] images = new float[count * 3 * 224 * 224];
        final SplittableRandom random = new SplittableRandom(11);
        for (int index = 0; index < images.length; index++) {
            images[index] = random.nextFloat() * 4f - 2f;
        }
        return images;
    }

    private static FloatBuffer direct(final float[] values, final int count) {
        final FloatBuffer buffer = ByteBuffer.allocateDirect(count * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        buffer.put(values, 0, count).flip();
        return buffer;
    }

    private static long[] shape(final OrtSession.Result result, final String name) throws OrtException {
        return ((OnnxTensor) result.get(name).orElseThrow()).getInfo().getShape();
    }

    private static float[] values(final OrtSession.Result result, final String name) {
        final FloatBuffer buffer = ((OnnxTensor) result.get(name).orElseThrow()).getFloatBuffer();
        final float[] values = new float[buffer.remaining()];
        buffer.get(values);
        return values;
    }
}

package dev.nificnn.onnx;

import dev.nificnn.testing.SharedData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loads the real SqueezeNet 1.1 from the shared data and checks what the loader validates. */
class ModelLoaderTest {

    private final ModelLoader loader = new ModelLoader(new OnnxSessionFactory());
    private Path models;

    @TempDir
    Path temporary;

    @BeforeEach
    void setUp() {
        models = SharedData.require("models");
    }

    static Path testManifest(final String name) {
        try {
            return Path.of(ModelLoaderTest.class.getResource("/manifests/" + name).toURI());
        } catch (final URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private ModelManifest manifest() throws ModelManifestException {
        return ModelManifest.read(testManifest("squeezenet1.1-fp32.json"));
    }

    @Test
    void loadsSqueezeNetWithItsTap() throws Exception {
        final OnnxModel model = loader.load(manifest(), models, SessionSettings.cpu(1), Map.of());
        try {
            assertEquals("squeezenet1.1-0fccde009e25", model.modelId());
            assertEquals(ExecutionProvider.CPU, model.activeProvider());
            assertNull(model.providerNote());
            assertArrayEquals(new long[]{1, 3, 224, 224}, model.inputShape());
            assertEquals(1, model.fixedBatchSize());
            assertEquals(1000, model.labels().size());
            assertEquals("tabby", model.labels().get(281));
            assertEquals("fire9/concat_1", model.resolveLayer("fire9"));
            assertEquals("softmaxout_1", model.resolveLayer("softmaxout_1"));
            assertArrayEquals(new long[]{1, 512, 13, 13}, model.outputShapes().get("fire9/concat_1"));
            assertTrue(model.describe().contains("fire9"), model.describe());
            final IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> model.resolveLayer("fc7"));
            assertTrue(unknown.getMessage().contains("Layer 'fc7' is neither a tap"), unknown.getMessage());
        } finally {
            model.release();
        }
    }

    @Test
    void runsFixedBatchModelImageByImageAndFp16Agrees() throws Exception {
        final OnnxModel model = loader.load(manifest(), models, SessionSettings.cpu(1), Map.of());
        final OnnxModel half = loader.load(ModelManifest.read(testManifest("squeezenet1.1-fp16.json")), models, SessionSettings.cpu(1), Map.of());
        try {
            final int count = 3;
            final FloatBuffer images = BatchInference.allocate(model.manifest().input(), count);
            final Random random = new Random(7);
            for (int i = 0; i < images.capacity(); i++) {
                images.put(i, random.nextFloat() * 200 - 100);
            }
            final BatchInference.Result batch = BatchInference.run(model, images, count, List.of("softmaxout_1", "fire9/concat_1"));
            assertEquals(3, batch.runs());
            assertEquals(0, batch.failures());
            assertArrayEquals(new long[]{1000, 1, 1}, batch.imageShapes()[0]);
            assertArrayEquals(new long[]{512, 13, 13}, batch.imageShapes()[1]);
            for (int image = 0; image < count; image++) {
                final FloatBuffer single = BatchInference.allocate(model.manifest().input(), 1);
                single.put(0, images, image * 3 * 224 * 224, 3 * 224 * 224);
                final BatchInference.Result alone = BatchInference.run(model, single, 1, List.of("softmaxout_1"));
                assertArrayEquals(alone.outcomes().getFirst().outputs()[0], batch.outcomes().get(image).outputs()[0]);
                float sum = 0;
                for (final float probability : alone.outcomes().getFirst().outputs()[0]) {
                    sum += probability;
                }
                assertEquals(1.0f, sum, 1e-3f);
                assertEquals(512 * 13 * 13, batch.outcomes().get(image).outputs()[1].length);
            }
            final BatchInference.Result halfResult = BatchInference.run(half, images, count, List.of("softmaxout_1"));
            assertEquals(0, halfResult.failures());
            for (int image = 0; image < count; image++) {
                final float[] full = batch.outcomes().get(image).outputs()[0];
                final float[] reduced = halfResult.outcomes().get(image).outputs()[0];
                assertEquals(argMax(full), argMax(reduced));
                assertEquals(full[argMax(full)], reduced[argMax(reduced)], 0.02f);
            }
        } finally {
            model.release();
            half.release();
        }
    }

    private static int argMax(final float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            best = values[i] > values[best] ? i : best;
        }
        return best;
    }

    @Test
    void rejectsMissingCorruptAndMismatchedModels() throws Exception {
        final ModelManifest manifest = manifest();
        assertMessage(() -> loader.load(manifest, temporary, SessionSettings.cpu(1), Map.of()), "does not exist");

        final byte[] model = Files.readAllBytes(models.resolve("squeezenet1.1-fp32.onnx"));
        Files.write(temporary.resolve("squeezenet1.1-fp32.onnx"), Arrays.copyOf(model, 1000));
        Files.copy(models.resolve("imagenet-classes.txt"), temporary.resolve("imagenet-classes.txt"));
        assertMessage(() -> loader.load(manifest, temporary, SessionSettings.cpu(1), Map.of()), "expects 0fccde009e25");

        final Path unpinned = writeManifest(Files.readString(testManifest("squeezenet1.1-fp32.json"))
                .replaceAll("\"sha256\": \"[0-9a-f]+\",", ""));
        assertMessage(() -> loader.load(ModelManifest.read(unpinned), temporary, SessionSettings.cpu(1), Map.of()), "Layer taps");
        final Path unpinnedUntapped = writeManifest(Files.readString(unpinned).replaceAll("\"taps\": \\{.*}", "\"taps\": {}"));
        assertMessage(() -> loader.load(ModelManifest.read(unpinnedUntapped), temporary, SessionSettings.cpu(1), Map.of()),
                "ONNX Runtime cannot load the model");
    }

    @Test
    void rejectsManifestThatDoesNotMatchTheModel() throws Exception {
        final String json = Files.readString(testManifest("squeezenet1.1-fp32.json"));
        assertMessage(() -> loader.load(ModelManifest.read(writeManifest(json.replace("\"data_0\"", "\"input\""))), models, SessionSettings.cpu(1), Map.of()),
                "names input 'input' but model");
        assertMessage(() -> loader.load(ModelManifest.read(writeManifest(json.replace("\"width\": 224", "\"width\": 227"))), models,
                SessionSettings.cpu(1), Map.of()), "declares shape [1, 3, 224, 224]");
        assertMessage(() -> loader.load(ModelManifest.read(writeManifest(json.replace("\"float32\"", "\"float16\""))), models,
                SessionSettings.cpu(1), Map.of()), "is float16 but model");
        assertMessage(() -> loader.load(ModelManifest.read(writeManifest(json.replace("\"softmaxout_1\"", "\"prob\""))), models,
                SessionSettings.cpu(1), Map.of()), "names output 'prob'");
        assertMessage(() -> loader.load(manifest(), models, SessionSettings.cpu(1), Map.of("fc7", "fc7_1")),
                "Tensor 'fc7_1' is not produced by any node of the graph");
        assertMessage(() -> loader.load(ModelManifest.read(writeManifest(json.replace("[-1, 512, 13, 13]", "[-1, 256, 13, 13]"))), models,
                SessionSettings.cpu(1), Map.of()), "says tap 'fire9'");

        final List<String> labels = Files.readAllLines(models.resolve("imagenet-classes.txt"));
        Files.copy(models.resolve("squeezenet1.1-fp32.onnx"), temporary.resolve("squeezenet1.1-fp32.onnx"));
        Files.write(temporary.resolve("imagenet-classes.txt"), labels.subList(0, 999));
        assertMessage(() -> loader.load(manifest(), temporary, SessionSettings.cpu(1), Map.of()), "has 999 lines but output 'softmaxout_1'");
    }

    private Path writeManifest(final String json) throws IOException {
        final Path file = Files.createTempFile(temporary, "manifest", ".json");
        Files.writeString(file, json);
        return file;
    }

    private interface Loading {
        void load() throws Exception;
    }

    private static void assertMessage(final Loading loading, final String expected) {
        final ModelLoadException e = assertThrows(ModelLoadException.class, loading::load);
        assertTrue(e.getMessage().contains(expected), () -> "Message '" + e.getMessage() + "' lacks '" + expected + "'");
        assertFalse(e.getMessage().isBlank());
    }
}

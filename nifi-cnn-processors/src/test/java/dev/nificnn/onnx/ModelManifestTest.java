package dev.nificnn.onnx;

import dev.nificnn.image.ChannelOrder;
import dev.nificnn.image.Interpolation;
import dev.nificnn.image.ResizeMode;
import dev.nificnn.image.TensorLayout;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelManifestTest {

    private static final Path LOCATION = Path.of("/models/test.json");

    private static final String VALID = """
            {
              "name": "squeezenet1.1", "file": "squeezenet1.1-fp32.onnx",
              "sha256": "0FCCDE009E25D24DD3F0A8A6CCCA04346D240A2BF04D8F36581071236F6D878C", "size": 4955097,
              "url": "https://example.org/s.onnx", "licence": "MIT", "unknownKey": [1, 2],
              "input": {"name": "data_0", "elementType": "float16", "layout": "NCHW", "width": 224, "height": 200,
                        "channelOrder": "BGR", "scale": 1.0, "mean": [104, 117, 123], "std": [1, 1, 1],
                        "resize": "SHORTER_SIDE_CROP", "interpolation": "bicubic"},
              "output": {"name": "softmaxout_1", "kind": "logits"},
              "labels": "imagenet-classes.txt",
              "taps": {"fire9": {"tensor": "fire9/concat_1", "shape": [-1, 512, 13, 13]}, "conv10": "conv10_1"}
            }
            """;

    private static ModelManifest parse(final String json) throws ModelManifestException {
        return ModelManifest.parse(json.getBytes(StandardCharsets.UTF_8), LOCATION);
    }

    @Test
    void readsEveryField() throws ModelManifestException {
        final ModelManifest manifest = parse(VALID);
        assertEquals("squeezenet1.1", manifest.name());
        assertEquals("0fccde009e25d24dd3f0a8a6ccca04346d240a2bf04d8f36581071236f6d878c", manifest.sha256());
        assertEquals(4955097, manifest.size());
        assertEquals(InputElementType.FLOAT16, manifest.input().elementType());
        assertEquals(224, manifest.input().tensorSpec().width());
        assertEquals(200, manifest.input().tensorSpec().height());
        assertEquals(ChannelOrder.BGR, manifest.input().tensorSpec().channelOrder());
        assertArrayEquals(new float[]{104, 117, 123}, manifest.input().tensorSpec().mean());
        assertEquals(ResizeMode.SHORTER_SIDE_CROP, manifest.input().tensorSpec().resizeMode());
        assertEquals(Interpolation.BICUBIC, manifest.input().tensorSpec().interpolation());
        assertArrayEquals(new long[]{3, 200, 224}, manifest.input().imageShape());
        assertEquals(3 * 224 * 200, manifest.input().valuesPerImage());
        assertEquals(OutputKind.LOGITS, manifest.output().kind());
        assertEquals("fire9/concat_1", manifest.taps().get("fire9").tensor());
        assertArrayEquals(new long[]{-1, 512, 13, 13}, manifest.taps().get("fire9").shape());
        assertEquals("conv10_1", manifest.taps().get("conv10").tensor());
        assertNull(manifest.taps().get("conv10").shape());
        assertEquals(Path.of("/models/squeezenet1.1-fp32.onnx"), manifest.modelFile(null));
        assertEquals(Path.of("/elsewhere/imagenet-classes.txt"), manifest.labelFile(Path.of("/elsewhere")));
    }

    @Test
    void defaultsOptionalKeys() throws ModelManifestException {
        final ModelManifest manifest = parse("""
                {"name": "m", "file": "m.onnx",
                 "input": {"name": "x", "width": 32, "height": 32, "channelOrder": "RGB", "scale": 0.00392, "mean": [0, 0, 0], "std": [1, 1, 1]},
                 "output": {"name": "y"}}
                """);
        assertEquals(InputElementType.FLOAT32, manifest.input().elementType());
        assertEquals(TensorLayout.CHW, manifest.input().layout());
        assertEquals(ResizeMode.STRETCH, manifest.input().tensorSpec().resizeMode());
        assertEquals(Interpolation.BILINEAR, manifest.input().tensorSpec().interpolation());
        assertEquals(OutputKind.PROBABILITIES, manifest.output().kind());
        assertNull(manifest.sha256());
        assertEquals(-1, manifest.size());
        assertNull(manifest.labels());
        assertTrue(manifest.taps().isEmpty());
    }

    @Test
    void namesMissingKeys() {
        assertMessage(VALID.replace("\"file\": \"squeezenet1.1-fp32.onnx\",", ""), "required key 'file' is missing");
        assertMessage(VALID.replace("\"name\": \"data_0\", ", ""), "required key 'input.name' is missing");
        assertMessage(VALID.replace("\"mean\": [104, 117, 123], ", ""), "required key 'input.mean' is missing");
        assertMessage(VALID.replace("\"channelOrder\": \"BGR\", ", ""), "required key 'input.channelOrder' is missing");
        assertMessage(VALID.replace("\"output\": {\"name\": \"softmaxout_1\", \"kind\": \"logits\"},", ""), "required key 'output' is missing");
    }

    @Test
    void namesInvalidValues() {
        assertMessage(VALID.replace("\"elementType\": \"float16\"", "\"elementType\": \"int8\""), "'input.elementType' must be one of [float32, float16]");
        assertMessage(VALID.replace("\"width\": 224", "\"width\": -3"), "'input.width' must be a positive integer");
        assertMessage(VALID.replace("\"mean\": [104, 117, 123]", "\"mean\": [104, 117]"), "'input.mean' needs one number or 3 comma-separated numbers, found 2");
        assertMessage(VALID.replace("\"std\": [1, 1, 1]", "\"std\": [1, 0, 1]"), "'input.std' every value must be greater than 0, not 0");
        assertMessage(VALID.replace("\"resize\": \"SHORTER_SIDE_CROP\"", "\"resize\": \"ZOOM\""), "'input.resize' must be one of");
        assertMessage(VALID.replace("0FCCDE", "XYZ"), "'sha256' must be 64 hexadecimal digits");
        assertMessage("{\"name\": ", "is not valid JSON");
        assertMessage("[1]", "must hold a JSON object");
    }

    @Test
    void reportsMissingFile() {
        final ModelManifestException e = assertThrows(ModelManifestException.class, () -> ModelManifest.read(Path.of("/no/such/manifest.json")));
        assertEquals("Model manifest /no/such/manifest.json does not exist", e.getMessage());
    }

    @Test
    void parsesEveryManifestCommittedInModels() throws Exception {
        final Path models = Path.of("..", "models").toAbsolutePath().normalize();
        int parsed = 0;
        try (Stream<Path> files = Files.list(models)) {
            for (final Path file : files.filter(path -> path.toString().endsWith(".json")).sorted().toList()) {
                final ModelManifest manifest = ModelManifest.read(file);
                assertEquals(3 * 224 * 224, manifest.input().valuesPerImage(), file.toString());
                assertEquals(224, manifest.input().tensorSpec().width(), file.toString());
                parsed++;
            }
        }
        assertTrue(parsed >= 5, "manifests found in " + models + ": " + parsed);
    }

    @Test
    void torchvisionManifestsResizeTheShorterSideBeforeTheCrop() throws Exception {
        final Path models = Path.of("..", "models").toAbsolutePath().normalize();
        final ModelManifest resnet = ModelManifest.read(models.resolve("resnet50-v2-7.json"));
        assertEquals(256, resnet.input().tensorSpec().shorterSide());
        assertEquals(dev.nificnn.image.ResizeMode.SHORTER_SIDE_CROP, resnet.input().tensorSpec().resizeMode());
        final ModelManifest squeezeNet = ModelManifest.read(models.resolve("squeezenet1.1-shared.json"));
        assertEquals(0, squeezeNet.input().tensorSpec().shorterSide());
    }

    private static void assertMessage(final String json, final String expected) {
        final ModelManifestException e = assertThrows(ModelManifestException.class, () -> parse(json));
        assertTrue(e.getMessage().contains(expected), () -> "Message '" + e.getMessage() + "' lacks '" + expected + "'");
        assertTrue(e.getMessage().startsWith("Model manifest " + LOCATION), e.getMessage());
    }
}

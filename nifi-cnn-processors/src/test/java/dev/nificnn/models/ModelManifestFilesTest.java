package dev.nificnn.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nificnn.testing.SharedData;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks the model manifests committed in models/: complete, consistent with each other, and true to the files they describe.
 */
class ModelManifestFilesTest {

    private static final Path MODELS = Path.of("..", "models").toAbsolutePath().normalize();
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String IMAGENET_LABELS_SHA256 = "1f386e0d1cb6e28b9c2dac651c3dea6801e98ad1b41a14ce6bb1a093d72069f5";

    @Test
    void everyManifestIsCompleteAndNamedAfterItsFile() throws IOException {
        final Set<String> names = new TreeSet<>();
        for (final Path file : manifests()) {
            final JsonNode manifest = MAPPER.readTree(file.toFile());
            final String where = file.getFileName().toString();
            final String name = manifest.path("name").asText();
            assertEquals(where, name + ".json", "manifest file is named after the model");
            names.add(name);
            assertTrue(manifest.path("file").asText().endsWith(".onnx"), where);
            assertTrue(manifest.path("sha256").asText().matches("[0-9a-f]{64}"), where + " sha256");
            assertTrue(manifest.path("size").asLong() > 0, where + " size");
            assertFalse(manifest.path("licence").asText().isBlank(), where + " licence");
            if (manifest.has("url")) {
                assertTrue(manifest.path("url").asText().startsWith("https://"), where + " url");
            }
            final JsonNode input = manifest.path("input");
            assertFalse(input.path("name").asText().isBlank(), where + " input name");
            assertTrue(Set.of("float32", "float16").contains(input.path("elementType").asText()), where);
            assertEquals("NCHW", input.path("layout").asText(), where);
            assertEquals(224, input.path("width").asInt(), where);
            assertEquals(224, input.path("height").asInt(), where);
            assertTrue(Set.of("RGB", "BGR").contains(input.path("channelOrder").asText()), where);
            assertTrue(Set.of("STRETCH", "SHORTER_SIDE_CROP").contains(input.path("resizeMode").asText()), where);
            assertEquals(3, input.path("mean").size(), where);
            assertEquals(3, input.path("std").size(), where);
            assertFalse(manifest.path("output").path("name").asText().isBlank(), where + " output name");
            assertTrue(Set.of("probabilities", "logits").contains(manifest.path("output").path("kind").asText()), where);
            assertEquals("imagenet-classes.txt", manifest.path("labels").asText(), where);
            assertEquals(IMAGENET_LABELS_SHA256, manifest.path("labelsSha256").asText(), where);
            assertEquals(10472, manifest.path("labelsSize").asLong(), where);
            assertTrue(manifest.path("labelsUrl").asText().startsWith("https://"), where);
            manifest.path("taps").properties().forEach(tap -> {
                assertFalse(tap.getValue().path("tensor").asText().isBlank(), where + " tap " + tap.getKey());
                assertEquals(-1, tap.getValue().path("shape").get(0).asInt(), where + " tap " + tap.getKey() + " has a batch dimension first");
            });
        }
        assertTrue(names.containsAll(List.of("bvlcalexnet-12", "squeezenet1.1-7", "squeezenet1.1-shared", "mobilenetv2-12", "resnet50-v2-7")), names.toString());
    }

    @Test
    void preprocessingMatchesEachModelsTraining() throws IOException {
        final JsonNode alexNet = read("bvlcalexnet-12").path("input");
        assertEquals("data_0", alexNet.path("name").asText());
        assertEquals("BGR", alexNet.path("channelOrder").asText());
        assertEquals(1.0, alexNet.path("scale").asDouble());
        assertEquals("[104,117,123]", alexNet.path("mean").toString());
        assertEquals("[1,1,1]", alexNet.path("std").toString());
        final JsonNode alexNetTaps = read("bvlcalexnet-12").path("taps");
        assertEquals("pool5_1", alexNetTaps.path("pool5").path("tensor").asText());
        assertEquals("fc6_2", alexNetTaps.path("fc6").path("tensor").asText());
        assertEquals("fc7_2", alexNetTaps.path("fc7").path("tensor").asText());
        assertEquals("[-1,4096]", alexNetTaps.path("fc7").path("shape").toString());

        for (final String torchvisionStyle : List.of("squeezenet1.1-7", "mobilenetv2-12", "resnet50-v2-7")) {
            final JsonNode manifest = read(torchvisionStyle);
            final JsonNode input = manifest.path("input");
            assertEquals("RGB", input.path("channelOrder").asText(), torchvisionStyle);
            assertEquals(1.0 / 255, input.path("scale").asDouble(), 1e-9, torchvisionStyle);
            assertEquals("[0.485,0.456,0.406]", input.path("mean").toString(), torchvisionStyle);
            assertEquals("[0.229,0.224,0.225]", input.path("std").toString(), torchvisionStyle);
            assertEquals("SHORTER_SIDE_CROP", input.path("resizeMode").asText(), torchvisionStyle);
            assertEquals(256, input.path("shorterSide").asInt(), torchvisionStyle);
            assertEquals("logits", manifest.path("output").path("kind").asText(), torchvisionStyle);
        }

        final JsonNode shared = read("squeezenet1.1-shared");
        assertEquals("fire9/concat_1", shared.path("taps").path("fire9").path("tensor").asText());
        assertEquals("[-1,512,13,13]", shared.path("taps").path("fire9").path("shape").toString());
        assertEquals("softmaxout_1", shared.path("output").path("name").asText());
    }

    @Test
    void sharedSqueezeNetManifestsDescribeTheSharedFiles() throws Exception {
        for (final String name : List.of("squeezenet1.1-shared", "squeezenet1.1-fp16-shared")) {
            final JsonNode manifest = read(name);
            final Path model = SharedData.require("models/" + manifest.path("file").asText());
            assertEquals(manifest.path("size").asLong(), Files.size(model), name);
            assertEquals(manifest.path("sha256").asText(), sha256(model), name);
        }
    }

    @Test
    void theLabelFileUrlServesTheSameFileAsTheSharedCopy() throws Exception {
        // the shared copy was verified byte-identical to pytorch/hub's imagenet_classes.txt at the pinned commit
        final Path labels = SharedData.require("models/imagenet-classes.txt");
        assertEquals(IMAGENET_LABELS_SHA256, sha256(labels));
        assertEquals(10472, Files.size(labels));
        final List<String> lines = Files.readAllLines(labels);
        assertEquals(1000, lines.size());
        assertEquals("tabby", lines.get(281));
        assertNotNull(read("squeezenet1.1-7").path("labelsUrl").asText());
    }

    private static List<Path> manifests() throws IOException {
        try (Stream<Path> files = Files.list(MODELS)) {
            // alexnet-topology-random.json describes a model the project generates itself: checked by its own tests
            return files.filter(file -> file.getFileName().toString().endsWith(".json"))
                    .filter(file -> !file.getFileName().toString().equals("alexnet-topology-random.json"))
                    .sorted().toList();
        }
    }

    private static JsonNode read(final String name) throws IOException {
        return MAPPER.readTree(MODELS.resolve(name + ".json").toFile());
    }

    private static String sha256(final Path file) throws Exception {
        final MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream input = new DigestInputStream(Files.newInputStream(file), digest)) {
            input.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}

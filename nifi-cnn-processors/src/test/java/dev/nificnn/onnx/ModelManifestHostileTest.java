package dev.nificnn.onnx;

import dev.nificnn.image.ChannelOrder;
import dev.nificnn.image.Interpolation;
import dev.nificnn.image.ResizeMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hostile manifests, label files and model files: each is refused within a second, naming the file and the limit. */
class ModelManifestHostileTest {

    private static final Duration SECOND = Duration.ofSeconds(1);

    @TempDir
    Path directory;

    /** A file that claims a size without taking the disk: the refusal must come from the size, before any byte is read. */
    private static Path sparse(final Path file, final long size) throws IOException {
        try (RandomAccessFile handle = new RandomAccessFile(file.toFile(), "rw")) {
            handle.setLength(size);
        }
        return file;
    }

    /** Why loading the model a manifest describes (labels beside it, on the CPU) is refused. */
    private static String loadRefusal(final Path manifest) {
        final ModelLoader loader = new ModelLoader(new OnnxSessionFactory());
        return refusal(() -> loader.load(ModelManifest.read(manifest), null, SessionSettings.cpu(1), Map.of()));
    }

    private static String refusal(final ThrowingRead read) {
        return assertTimeoutPreemptively(SECOND, () -> assertThrows(ModelLoadException.class, read::run)).getMessage();
    }

    private interface ThrowingRead {
        void run() throws Exception;
    }

    private static String nested(final int depth) {
        return "{\"name\": \"deep\", \"unknownKey\": " + "[".repeat(depth) + "]".repeat(depth) + "}";
    }

    @Test
    void aManifestLargerThanOneMegabyteIsRefusedBeforeItIsRead() throws Exception {
        final Path manifest = sparse(directory.resolve("huge.json"), 3L << 30);
        final String message = refusal(() -> ModelManifest.read(manifest));
        assertEquals("Model manifest " + manifest + " has 3221225472 bytes, more than the 1048576 bytes a manifest may hold; it is not read",
                message);
    }

    @Test
    void deeplyNestedJsonIsRefusedNamingTheDepthLimit() throws Exception {
        final Path manifest = directory.resolve("deep.json");
        // 500,000 levels: far past the limit, and enough to overflow the stack of a recursive reader without one.
        Files.writeString(manifest, nested(500_000));
        final String message = refusal(() -> ModelManifest.read(manifest));
        assertTrue(message.startsWith("Model manifest " + manifest.toAbsolutePath() + " is refused by a JSON reading limit (nesting at most 16 levels deep"),
                message);
        assertTrue(message.contains("(17)"), "the depth at which reading stopped: " + message);
    }

    @Test
    void nestingUpToTheLimitIsRead() {
        // The root object is level 1, so 15 arrays inside it reach the limit of 16 and fail only for the missing keys.
        final ModelManifestException atLimit = assertThrows(ModelManifestException.class,
                () -> ModelManifest.parse(nested(15).getBytes(StandardCharsets.UTF_8), Path.of("/m.json")));
        assertEquals("Model manifest /m.json: required key 'file' is missing", atLimit.getMessage());
        final ModelManifestException beyond = assertThrows(ModelManifestException.class,
                () -> ModelManifest.parse(nested(16).getBytes(StandardCharsets.UTF_8), Path.of("/m.json")));
        assertTrue(beyond.getMessage().contains("nesting at most 16 levels deep"), beyond.getMessage());
    }

    @Test
    void aNumberOfThousandsOfDigitsIsRefused() throws Exception {
        final Path manifest = directory.resolve("digits.json");
        Files.writeString(manifest, "{\"name\": \"n\", \"size\": 1" + "0".repeat(100_000) + "}");
        final String message = refusal(() -> ModelManifest.read(manifest));
        assertTrue(message.startsWith("Model manifest " + manifest.toAbsolutePath() + " is refused by a JSON reading limit"), message);
        assertTrue(message.contains("numbers at most 1000 digits"), message);
    }

    @Test
    void anOversizedLabelFileIsRefusedBeforeItIsRead() throws Exception {
        final Path manifest = TinyModels.write(directory, 1f);
        final Path labels = sparse(directory.resolve("tiny-labels.txt"), 17L << 20);
        final String message = loadRefusal(manifest);
        assertEquals("Label file " + labels + " has 17825792 bytes, more than the 16777216 bytes a label file may hold; it is not read", message);
    }

    @Test
    void moreLabelsThanAnyModelOutputIsRefused() throws Exception {
        final Path manifest = TinyModels.write(directory, 1f);
        final Path labels = directory.resolve("tiny-labels.txt");
        Files.writeString(labels, "x\n".repeat(1_000_001));
        final String message = loadRefusal(manifest);
        assertEquals("Label file " + labels + " has 1000001 labels, more than the 1000000 classes a model output may have", message);
    }

    @Test
    void aLabelCountOtherThanTheModelsOutputIsRefused() throws Exception {
        final Path manifest = TinyModels.write(directory, 1f);
        final Path labels = directory.resolve("tiny-labels.txt");
        Files.write(labels, List.of("red", "green", "blue", "purple"));
        final ModelLoader loader = new ModelLoader(new OnnxSessionFactory());
        final String message = assertThrows(ModelLoadException.class,
                () -> loader.load(ModelManifest.read(manifest), null, SessionSettings.cpu(1), Map.of())).getMessage();
        assertEquals("Label file " + labels + " has 4 lines but output 'probabilities' [-1, 3] has 3 classes", message);
    }

    @Test
    void aModelFileLargerThanAProtobufMessageIsRefusedBeforeItIsRead() throws Exception {
        final Path model = sparse(directory.resolve("huge.onnx"), 3L << 30);
        final ModelFileDescription description = new ModelFileDescription(model, null, 8, 8, ChannelOrder.RGB, 1f, List.of(0f, 0f, 0f),
                List.of(1f, 1f, 1f), ResizeMode.STRETCH, Interpolation.BILINEAR, 0, OutputKind.PROBABILITIES);
        final String message = refusal(description::read);
        assertEquals("Model file " + model + " has 3221225472 bytes, more than the 2147483639 bytes an ONNX model (one protobuf message)"
                + " can hold; it is not read", message);
    }

    @Test
    void aModelFileOfAnotherSizeThanTheManifestPinsIsRefusedBeforeItIsRead() throws Exception {
        final Path manifestFile = TinyModels.write(directory, 1f);
        final Path model = sparse(directory.resolve(TinyModels.MODEL_FILE), 3L << 30);
        final String pinned = Files.readString(manifestFile).replace("\"licence\"", "\"size\": 1234, \"licence\"");
        Files.writeString(manifestFile, pinned);
        final ModelLoader loader = new ModelLoader(new OnnxSessionFactory());
        final String message = refusal(() -> loader.load(ModelManifest.read(manifestFile), null, SessionSettings.cpu(1), Map.of()));
        assertEquals("Model file " + model + " has 3221225472 bytes but manifest " + manifestFile + " expects 1234: the file is corrupt,"
                + " incomplete or another model; it is not read", message);
    }
}

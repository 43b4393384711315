package dev.nificnn.onnx;

import dev.nificnn.image.ChannelOrder;
import dev.nificnn.image.Interpolation;
import dev.nificnn.image.ResizeMode;
import dev.nificnn.image.TensorLayout;
import dev.nificnn.image.TensorSpec;
import dev.nificnn.onnx.generate.OnnxElementType;
import dev.nificnn.onnx.generate.OnnxModelBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelFileDescriptionTest {

    @TempDir
    Path directory;

    private ModelFileDescription describe(final Path model, final int width, final int height) {
        return new ModelFileDescription(model, directory.resolve("labels.txt"), width, height, ChannelOrder.BGR, 1f, List.of(104f, 117f, 123f),
                List.of(1f, 1f, 1f), ResizeMode.SHORTER_SIDE_CROP, Interpolation.BICUBIC, 0, OutputKind.PROBABILITIES);
    }

    @Test
    void takesNameTypeLayoutAndSizeFromTheModelAndPreprocessingFromTheOperator() throws Exception {
        TinyModels.writeModel(directory, 1f);
        final ModelManifest manifest = describe(directory.resolve(TinyModels.MODEL_FILE), 0, 0).read();
        assertEquals("tiny", manifest.name());
        assertEquals("image", manifest.input().name());
        assertEquals(InputElementType.FLOAT32, manifest.input().elementType());
        assertEquals(TensorLayout.CHW, manifest.input().layout());
        assertEquals(8, manifest.input().width());
        assertEquals(8, manifest.input().height());
        assertEquals(new ModelManifest.Output("probabilities", OutputKind.PROBABILITIES), manifest.output());
        assertEquals(directory.resolve(TinyModels.MODEL_FILE), manifest.modelFile(null));
        assertEquals(directory.resolve("labels.txt"), manifest.labelFile(null));
        assertEquals(null, manifest.sha256(), "nothing pinned: a replaced file is reloaded");
        final TensorSpec spec = manifest.input().tensorSpec();
        assertEquals(ChannelOrder.BGR, spec.channelOrder());
        assertEquals(TensorLayout.CHW, spec.layout());
        // Setting the size the model fixes anyway is fine.
        assertEquals(manifest, describe(directory.resolve(TinyModels.MODEL_FILE), 8, 8).read());
    }

    @Test
    void dynamicSizesNeedTheOperatorsSizeAndFixedOnesMustMatchIt() throws Exception {
        final Path model = write("dynamic.onnx", OnnxModelBuilder.BATCH, 3, OnnxModelBuilder.BATCH, OnnxModelBuilder.BATCH);
        final ModelManifestException missing = assertThrows(ModelManifestException.class, () -> describe(model, 0, 0).read());
        assertTrue(missing.getMessage().contains("has no fixed width: set the input width"), missing.getMessage());
        final ModelManifest sized = describe(model, 64, 48).read();
        assertEquals(64, sized.input().width());
        assertEquals(48, sized.input().height());

        TinyModels.writeModel(directory, 1f);
        final ModelManifestException mismatch = assertThrows(ModelManifestException.class,
                () -> describe(directory.resolve(TinyModels.MODEL_FILE), 16, 0).read());
        assertTrue(mismatch.getMessage().contains("Input width is set to 16 but input image") && mismatch.getMessage().contains("is fixed at 8"),
                mismatch.getMessage());
    }

    @Test
    void readsChannelsLastLayouts() throws Exception {
        final ModelManifest manifest = describe(write("nhwc.onnx", 1, 32, 48, 3), 0, 0).read();
        assertEquals(TensorLayout.HWC, manifest.input().layout());
        assertEquals(48, manifest.input().width());
        assertEquals(32, manifest.input().height());
        assertArrayEquals(new long[] {32, 48, 3}, manifest.input().imageShape());
    }

    @Test
    void refusesWhatIsNotASingleImageInput() throws Exception {
        final ModelManifestException vector = assertThrows(ModelManifestException.class, () -> describe(write("vector.onnx", 1, 10), 0, 0).read());
        assertTrue(vector.getMessage().contains("is not a 4-dimensional image batch"), vector.getMessage());
        final ModelManifestException channels = assertThrows(ModelManifestException.class, () -> describe(write("grey.onnx", 1, 1, 28, 28), 0, 0).read());
        assertTrue(channels.getMessage().contains("has no dimension of 3 colour channels"), channels.getMessage());

        final ModelManifestException absent = assertThrows(ModelManifestException.class, () -> describe(directory.resolve("absent.onnx"), 0, 0).read());
        assertTrue(absent.getMessage().endsWith("absent.onnx does not exist"), absent.getMessage());
        Files.writeString(directory.resolve("text.onnx"), "this is not a model");
        final ModelManifestException text = assertThrows(ModelManifestException.class, () -> describe(directory.resolve("text.onnx"), 0, 0).read());
        assertTrue(text.getMessage().contains("is not a readable ONNX model"), text.getMessage());
    }

    @Test
    void equalDescriptionsAreEqualSources() {
        final Path model = directory.resolve("m.onnx");
        assertEquals(describe(model, 0, 0), describe(model, 0, 0));
        assertEquals(describe(model, 0, 0).hashCode(), describe(model, 0, 0).hashCode());
        assertNotEquals(describe(model, 0, 0), describe(model, 224, 224));
    }

    private Path write(final String name, final long... shape) throws IOException {
        final byte[] model = new OnnxModelBuilder(name)
                .input("x", OnnxElementType.FLOAT, shape)
                .node("Identity", List.of("x"), List.of("y"))
                .output("y", OnnxElementType.FLOAT, shape)
                .toByteArray();
        final Path file = directory.resolve(name);
        Files.write(file, model);
        return file;
    }
}

package dev.nificnn.onnx;

import dev.nificnn.image.ChannelOrder;
import dev.nificnn.image.ImageDecoder;
import dev.nificnn.image.Interpolation;
import dev.nificnn.image.NpyReader;
import dev.nificnn.image.ResizeMode;
import dev.nificnn.image.TensorLayout;
import dev.nificnn.image.TensorSpec;
import dev.nificnn.testing.LibjpegTurboRequirement;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JPEG Draft Decoding flag that ModelInputs hands to InputPreparer for ClassifyImage and ExtractImageFeatures decides the model's input. */
class InputPreparerDraftTest {

    private static final ModelManifest.Input INPUT = new ModelManifest.Input("image", InputElementType.FLOAT32,
            new TensorSpec(64, 48, ResizeMode.STRETCH, Interpolation.BILINEAR, TensorLayout.HWC, ChannelOrder.RGB, 1f, new float[] {0, 0, 0},
                    new float[] {1, 1, 1}));

    @Test
    void draftFlagDecidesWhetherTheModelSeesPillowsDraftValues() throws Exception {
        LibjpegTurboRequirement.require();
        final byte[] jpeg = resource("/image/draft/photo530x410.jpg");
        final float[] pillowDraft = NpyReader.read(resource("/image/draft/photo530x410-64x48-STRETCH-BILINEAR.npy")).data();

        final FloatBuffer drafted = FloatBuffer.allocate(INPUT.valuesPerImage());
        new InputPreparer(INPUT, ImageDecoder.DEFAULT_MAX_PIXELS, true).write(jpeg, drafted);
        assertArrayEquals(pillowDraft, drafted.array(), 0f);

        final FloatBuffer full = FloatBuffer.allocate(INPUT.valuesPerImage());
        new InputPreparer(INPUT, ImageDecoder.DEFAULT_MAX_PIXELS, false).write(jpeg, full);
        int differing = 0;
        for (int i = 0; i < pillowDraft.length; i++) {
            differing += full.array()[i] != pillowDraft[i] ? 1 : 0;
        }
        assertTrue(differing > 0, "a full decode gives other values than the 1/8 draft");
    }

    private static byte[] resource(final String path) throws IOException {
        try (InputStream input = InputPreparerDraftTest.class.getResourceAsStream(path)) {
            assertNotNull(input, path);
            return input.readAllBytes();
        }
    }
}

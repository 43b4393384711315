package dev.nificnn.onnx;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchInferenceTest {

    @TempDir
    Path directory;

    private OnnxModel model;

    @BeforeEach
    void setUp() throws Exception {
        final Path manifest = TinyModels.write(directory, 1f);
        model = new ModelLoader(new OnnxSessionFactory()).load(ModelManifest.read(manifest), null, SessionSettings.cpu(1), Map.of());
    }

    @AfterEach
    void tearDown() {
        model.close();
    }

    private static FloatBuffer images(final OnnxModel model, final float[]... images) {
        final FloatBuffer buffer = BatchInference.allocate(model.manifest().input(), images.length);
        for (final float[] image : images) {
            buffer.put(image);
        }
        return buffer.flip();
    }

    @Test
    void computesWhatTheWeightsSay() {
        // A pure red image (255, 0, 0): conv channels = (255, 0, 0, 255 - 255 = 0), pooled the same;
        // logits = (0.05*255, -0.02*255, -0.02*255) = (12.75, -5.1, -5.1).
        final float[] red = new float[3 * 64];
        Arrays.fill(red, 0, 64, 255f);
        final BatchInference.Result result = BatchInference.run(model, images(model, red), 1, List.of("probabilities", "features"));
        final float[] expectedLogits = {12.75f, -5.1f, -5.1f};
        assertArrayEquals(Classification.softmax(expectedLogits), result.outcomes().getFirst().outputs()[0], 1e-6f);
        assertArrayEquals(new long[]{3}, result.imageShapes()[0]);
        assertArrayEquals(new long[]{4, 8, 8}, result.imageShapes()[1]);
        final float[] features = result.outcomes().getFirst().outputs()[1];
        assertEquals(255f, features[0]);
        assertEquals(0f, features[64]);
        assertEquals(0f, features[3 * 64]);
    }

    @Test
    void runsADynamicBatchOnceAndMatchesSingleRuns() {
        final float[][] inputs = new float[5][];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = TinyModels.values(i);
        }
        final BatchInference.Result batch = BatchInference.run(model, images(model, inputs), inputs.length, List.of("probabilities"));
        assertEquals(1, batch.runs());
        for (int i = 0; i < inputs.length; i++) {
            final BatchInference.Result alone = BatchInference.run(model, images(model, inputs[i]), 1, List.of("probabilities"));
            assertArrayEquals(alone.outcomes().getFirst().outputs()[0], batch.outcomes().get(i).outputs()[0], 1e-6f);
        }
    }

    @Test
    void bisectsAFailingBatchSoOnlyTheGuiltyImagesFail() {
        final float[][] inputs = new float[8][];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = TinyModels.values(i);
        }
        inputs[2][5] = 1000;
        inputs[5][40] = -1000;
        final BatchInference.Result result = BatchInference.run(model, images(model, inputs), inputs.length, List.of("probabilities"));
        assertEquals(2, result.failures());
        for (int i = 0; i < inputs.length; i++) {
            final BatchInference.Outcome outcome = result.outcomes().get(i);
            if (i == 2 || i == 5) {
                assertTrue(outcome.failed());
                assertNull(outcome.outputs());
                assertTrue(outcome.error().startsWith("Inference failed: "), outcome.error());
            } else {
                assertFalse(outcome.failed(), "image " + i);
                final BatchInference.Result alone = BatchInference.run(model, images(model, inputs[i]), 1, List.of("probabilities"));
                assertArrayEquals(alone.outcomes().getFirst().outputs()[0], outcome.outputs()[0], 1e-6f);
            }
        }
        // 8 fails; halves 4 + 4 fail; quarters 2 + 2 + 2 + 2: [0,1] and [6,7] pass, [2,3] and [4,5] fail; then 4 singles.
        assertEquals(1 + 2 + 4 + 4, result.runs());
    }
}

package dev.nificnn.onnx;

import dev.nificnn.image.NpyWriter;
import dev.nificnn.onnx.generate.OnnxElementType;
import dev.nificnn.onnx.generate.OnnxModelBuilder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A tiny generated classifier for fast tests of batching, concurrency, reloading and failure isolation: input "image"
 * [N,3,8,8] float32 (dynamic batch), 1x1 convolution to 4 channels, ReLU (tap "features"), global average pool, Gemm to
 * 3 classes, softmax. A guard branch looks every input value up in a 256-entry table (Gather), so an input value outside
 * 0..255 makes ONNX Runtime throw for the whole batch: that is how tests make one image "guilty".
 */
public final class TinyModels {

    public static final String MODEL_FILE = "tiny.onnx";
    public static final String MANIFEST_FILE = "tiny.json";
    public static final List<String> LABELS = List.of("red", "green", "blue");
    public static final int SIZE = 8;

    private TinyModels() {
    }

    /** Builds the model; {@code colourGain} scales the convolution so that two gains give two different models. */
    public static byte[] model(final float colourGain) {
        final float g = colourGain;
        return new OnnxModelBuilder("tiny")
                .input("image", OnnxElementType.FLOAT, OnnxModelBuilder.BATCH, 3, SIZE, SIZE)
                .initializer("table", new float[256], 256)
                .initializer("zero", new float[]{0f}, 1)
                .initializer("conv_w", new float[]{
                        g, 0, 0,
                        0, g, 0,
                        0, 0, g,
                        -g, -g, -g}, 4, 3, 1, 1)
                .initializer("conv_b", new float[]{0, 0, 0, 255}, 4)
                .initializer("dense_w", new float[]{
                        0.05f, -0.02f, -0.02f, 0,
                        -0.02f, 0.05f, -0.02f, 0,
                        -0.02f, -0.02f, 0.05f, 0.001f}, 3, 4)
                .initializer("dense_b", new float[]{0, 0, 0}, 3)
                .cast("image", "indices", OnnxElementType.INT64)
                .node("Gather", List.of("table", "indices"), List.of("looked_up"))
                .node("Mul", List.of("looked_up", "zero"), List.of("nothing"))
                .add("image", "nothing", "guarded")
                .conv("guarded", "conv_w", "conv_b", "conv", 1, 1, 0)
                .relu("conv", "features")
                .globalAveragePool("features", "pooled")
                .flatten("pooled", "flat", 1)
                .gemm("flat", "dense_w", "dense_b", "logits", true)
                .softmax("logits", "probabilities", 1)
                .output("probabilities", OnnxElementType.FLOAT, OnnxModelBuilder.BATCH, 3)
                .toByteArray();
    }

    /** Writes model, labels and a manifest (no SHA-256 pinned, so the model may be replaced) into a folder; returns the manifest. */
    public static Path write(final Path directory, final float colourGain) throws IOException {
        writeModel(directory, colourGain);
        Files.write(directory.resolve("tiny-labels.txt"), LABELS);
        final Path manifest = directory.resolve(MANIFEST_FILE);
        Files.writeString(manifest, """
                {
                  "name": "tiny", "file": "tiny.onnx", "licence": "Apache-2.0",
                  "input": {"name": "image", "elementType": "float32", "layout": "NCHW", "width": 8, "height": 8,
                            "channelOrder": "RGB", "scale": 1.0, "mean": [0, 0, 0], "std": [1, 1, 1],
                            "resizeMode": "STRETCH", "interpolation": "BILINEAR"},
                  "output": {"name": "probabilities", "kind": "probabilities"},
                  "labels": "tiny-labels.txt",
                  "taps": {"features": {"tensor": "features", "shape": [-1, 4, 8, 8]}}
                }
                """);
        return manifest;
    }

    /** Replaces the model file atomically (as a deployment would), with another gain. */
    public static void writeModel(final Path directory, final float colourGain) throws IOException {
        final Path temporary = directory.resolve(MODEL_FILE + ".tmp");
        Files.write(temporary, model(colourGain));
        Files.move(temporary, directory.resolve(MODEL_FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** A random image tensor [3,8,8] with values 0..255, as .npy; {@code poisoned} puts 1000 in one value. */
    public static byte[] npy(final long seed, final boolean poisoned) {
        final float[] values = values(seed);
        if (poisoned) {
            values[17] = 1000;
        }
        return NpyWriter.write(values, new int[]{3, SIZE, SIZE});
    }

    /** The values of {@link #npy(long, boolean)} without poison. */
    public static float[] values(final long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final float[] values = new float[3 * SIZE * SIZE];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextInt(256);
        }
        return values;
    }
}

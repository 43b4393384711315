package dev.nificnn.onnx.generate;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Generates an ONNX model with the layer shapes of torchvision's AlexNet and seeded random weights, for shape, tap and
 * throughput tests without a pretrained model.
 * <p>
 * Input {@value #INPUT_NAME} [N,3,224,224] float32; output {@value #OUTPUT_NAME} [N,1000] softmax probabilities;
 * intermediate tensors {@value #POOL5} [N,256,6,6], {@value #FC6} [N,4096] and {@value #FC7} [N,4096] (after ReLU) can be
 * tapped. Dropout is left out (an identity at inference), and so is torchvision's adaptive average pool, which is an
 * identity at 224x224. Weights are He-uniform (variance 2 / fan-in) so that ReLU activations keep their scale layer after
 * layer; the classifier's last layer uses variance 1 / fan-in so that the logits stay moderate. The file is 61.1 million
 * float32 parameters, about 244 MB: generate it into target/, never commit it.
 */
public final class AlexNetTopologyModel {

    /** File name the model manifest {@code models/alexnet-topology-random.json} refers to. */
    public static final String FILE_NAME = "alexnet-topology-random.onnx";
    /** Seed of the model that the manifest, the tests and the benchmarks use. */
    public static final long DEFAULT_SEED = 42;
    public static final String INPUT_NAME = "data_0";
    public static final String OUTPUT_NAME = "softmaxout_1";
    public static final String POOL5 = "pool5";
    public static final String FC6 = "fc6";
    public static final String FC7 = "fc7";
    public static final int IMAGE_SIZE = 224;
    public static final int CLASSES = 1000;
    /** Weights and biases: 61,100,840 floats. */
    public static final long PARAMETER_COUNT;
    /** Multiply-accumulate operations per 224x224 image (714 million, 1.43 GFLOP). */
    public static final long MULTIPLY_ACCUMULATES_PER_IMAGE;

    private static final float BIAS_BOUND = 0.1f;

    private static final List<Convolution> CONVOLUTIONS = List.of(
            new Convolution("conv1", 3, 64, 11, 4, 2, 224),
            new Convolution("conv2", 64, 192, 5, 1, 2, 27),
            new Convolution("conv3", 192, 384, 3, 1, 1, 13),
            new Convolution("conv4", 384, 256, 3, 1, 1, 13),
            new Convolution("conv5", 256, 256, 3, 1, 1, 13));
    private static final List<Dense> DENSE_LAYERS = List.of(
            new Dense("fc6", 256 * 6 * 6, 4096),
            new Dense("fc7", 4096, 4096),
            new Dense("fc8", 4096, CLASSES));

    static {
        long parameters = 0;
        long multiplyAccumulates = 0;
        for (final Convolution convolution : CONVOLUTIONS) {
            final long weights = (long) convolution.outputChannels() * convolution.inputChannels() * convolution.kernel() * convolution.kernel();
            final long outputSize = convolution.outputSize();
            parameters += weights + convolution.outputChannels();
            multiplyAccumulates += weights * outputSize * outputSize;
        }
        for (final Dense dense : DENSE_LAYERS) {
            parameters += (long) dense.inputs() * dense.outputs() + dense.outputs();
            multiplyAccumulates += (long) dense.inputs() * dense.outputs();
        }
        PARAMETER_COUNT = parameters;
        MULTIPLY_ACCUMULATES_PER_IMAGE = multiplyAccumulates;
    }

    private AlexNetTopologyModel() {
    }

    /**
     * Writes the model with weights drawn from the seed; the same seed always gives the same bytes. The file appears
     * complete or not at all (written beside it, then moved into place).
     *
     * @throws UncheckedIOException when the file cannot be written
     */
    public static void write(final Path file, final long seed) {
        final Path absolute = file.toAbsolutePath();
        try {
            Files.createDirectories(absolute.getParent());
            final Path partial = Files.createTempFile(absolute.getParent(), absolute.getFileName().toString(), ".partial");
            try {
                try (OutputStream output = new BufferedOutputStream(Files.newOutputStream(partial), 1 << 20)) {
                    write(output, seed);
                }
                Files.move(partial, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(partial);
            }
        } catch (final IOException e) {
            throw new UncheckedIOException("Cannot write the AlexNet-topology model to " + absolute + ": " + e.getMessage(), e);
        }
    }

    /** Streams the model with weights drawn from the seed to the output, without holding the weights in memory. */
    public static void write(final OutputStream output, final long seed) throws IOException {
        builder(seed).writeTo(output);
    }

    /**
     * Returns {@code directory/}{@value #FILE_NAME} generated with {@link #DEFAULT_SEED}, writing it first unless a file of
     * the expected size is there already (so that test classes and benchmark forks share one copy).
     */
    public static Path writeIfAbsent(final Path directory) {
        final Path file = directory.resolve(FILE_NAME);
        try {
            if (Files.isRegularFile(file) && Files.size(file) == builder(DEFAULT_SEED).serializedSize()) {
                return file;
            }
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        write(file, DEFAULT_SEED);
        return file;
    }

    /** The model as a builder; nothing is drawn from the seed until it is written. */
    public static OnnxModelBuilder builder(final long seed) {
        final SplittableRandom seeds = new SplittableRandom(seed);
        final OnnxModelBuilder builder = new OnnxModelBuilder("alexnet-topology-random")
                .input(INPUT_NAME, OnnxElementType.FLOAT, OnnxModelBuilder.BATCH, 3, IMAGE_SIZE, IMAGE_SIZE);

        String previous = INPUT_NAME;
        for (final Convolution convolution : CONVOLUTIONS) {
            final String name = convolution.name();
            final int fanIn = convolution.inputChannels() * convolution.kernel() * convolution.kernel();
            builder.initializer(name + "_w", uniform(seeds.nextLong(), heBound(fanIn)),
                            convolution.outputChannels(), convolution.inputChannels(), convolution.kernel(), convolution.kernel())
                    .initializer(name + "_b", uniform(seeds.nextLong(), BIAS_BOUND), convolution.outputChannels())
                    .conv(previous, name + "_w", name + "_b", name, convolution.kernel(), convolution.stride(), convolution.padding())
                    .relu(name, name + "_relu");
            previous = name + "_relu";
            if (name.equals("conv1") || name.equals("conv2")) {
                final String pool = name.equals("conv1") ? "pool1" : "pool2";
                builder.maxPool(previous, pool, 3, 2, 0);
                previous = pool;
            }
        }
        builder.maxPool(previous, POOL5, 3, 2, 0)
                .flatten(POOL5, "pool5_flat", 1);
        previous = "pool5_flat";
        for (final Dense dense : DENSE_LAYERS) {
            final String name = dense.name();
            final boolean last = name.equals("fc8");
            final float bound = last ? (float) Math.sqrt(3.0 / dense.inputs()) : heBound(dense.inputs());
            builder.initializer(name + "_w", uniform(seeds.nextLong(), bound), dense.outputs(), dense.inputs())
                    .initializer(name + "_b", uniform(seeds.nextLong(), BIAS_BOUND), dense.outputs());
            if (last) {
                builder.gemm(previous, name + "_w", name + "_b", name, true);
            } else {
                builder.gemm(previous, name + "_w", name + "_b", name + "_gemm", true)
                        .relu(name + "_gemm", name);
                previous = name;
            }
        }
        return builder.softmax("fc8", OUTPUT_NAME, 1)
                .output(OUTPUT_NAME, OnnxElementType.FLOAT, OnnxModelBuilder.BATCH, CLASSES);
    }

    /** Bound b of a uniform distribution on [-b, b) whose variance is 2 / fan-in (He initialisation for ReLU). */
    private static float heBound(final int fanIn) {
        return (float) Math.sqrt(6.0 / fanIn);
    }

    /** A factory of sources of uniform values on [-bound, bound), each restarting from the tensor's own seed. */
    private static Supplier<FloatSource> uniform(final long tensorSeed, final float bound) {
        return () -> {
            final SplittableRandom random = new SplittableRandom(tensorSeed);
            final float scale = 2f * bound;
            return (destination, count) -> {
                for (int index = 0; index < count; index++) {
                    destination[index] = random.nextFloat() * scale - bound;
                }
            };
        };
    }

    private record Convolution(String name, int inputChannels, int outputChannels, int kernel, int stride, int padding, int inputSize) {

        long outputSize() {
            return (inputSize + 2L * padding - kernel) / stride + 1;
        }
    }

    private record Dense(String name, int inputs, int outputs) {
    }
}

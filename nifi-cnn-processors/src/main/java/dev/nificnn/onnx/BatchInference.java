package dev.nificnn.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs a batch of prepared images through a model: one run per batch when the batch dimension is dynamic, image by image
 * (or in chunks) when the graph fixes it, float16 conversion when the model wants it, and failure isolation by bisection
 * so that one bad image does not fail the others.
 */
public final class BatchInference {

    /**
     * What inference gave for one image.
     *
     * @param outputs one array per requested output, in the order requested; null when the image failed
     * @param error   why the image failed, or null
     */
    public record Outcome(float[][] outputs, String error) {

        public boolean failed() {
            return error != null;
        }
    }

    /**
     * What inference gave for a batch.
     *
     * @param imageShapes per requested output, its shape for one image (batch dimension removed); null when every image failed
     * @param outcomes    one per image, in input order
     * @param runs        how many times ONNX Runtime was called (more than one when the batch was split)
     */
    public record Result(long[][] imageShapes, List<Outcome> outcomes, int runs) {

        public int failures() {
            int failures = 0;
            for (final Outcome outcome : outcomes) {
                failures += outcome.failed() ? 1 : 0;
            }
            return failures;
        }
    }

    private BatchInference() {
    }

    /**
     * Runs {@code count} images, laid out one after the other in the model's input layout from position 0 of {@code images}
     * (a direct, native-order buffer avoids a copy), and returns the requested outputs per image.
     */
    public static Result run(final OnnxModel model, final FloatBuffer images, final int count, final List<String> outputNames) {
        final Run run = new Run(model, images, count, outputNames);
        final int chunk = model.fixedBatchSize() > 0 ? model.fixedBatchSize() : Math.max(count, 1);
        for (int from = 0; from < count; from += chunk) {
            run.isolate(from, Math.min(count, from + chunk));
        }
        return new Result(run.imageShapes, Arrays.asList(run.outcomes), run.runs);
    }

    /** One batch's state while it runs. */
    private static final class Run {
        private final OnnxModel model;
        private final FloatBuffer images;
        private final List<String> outputNames;
        private final int valuesPerImage;
        private final Outcome[] outcomes;
        private long[][] imageShapes;
        private int runs;

        Run(final OnnxModel model, final FloatBuffer images, final int count, final List<String> outputNames) {
            this.model = model;
            this.images = images;
            this.outputNames = List.copyOf(outputNames);
            this.valuesPerImage = model.manifest().input().valuesPerImage();
            this.outcomes = new Outcome[count];
        }

        /** Runs images [from, to); when that throws, splits the range in halves until the guilty images are alone. */
        void isolate(final int from, final int to) {
            try {
                runRange(from, to);
            } catch (final OrtException | RuntimeException e) {
                if (to - from == 1) {
                    outcomes[from] = new Outcome(null, "Inference failed: " + e.getMessage());
                } else {
                    final int middle = (from + to) >>> 1;
                    isolate(from, middle);
                    isolate(middle, to);
                }
            }
        }

        private void runRange(final int from, final int to) throws OrtException {
            final int count = to - from;
            final int batch = model.fixedBatchSize() > 0 ? model.fixedBatchSize() : count;
            final long[] imageShape = model.manifest().input().imageShape();
            final long[] shape = new long[]{batch, imageShape[0], imageShape[1], imageShape[2]};
            final FloatBuffer slice = images.duplicate().position(from * valuesPerImage).limit(to * valuesPerImage).slice();
            final OrtSession session = model.session();
            runs++;
            try (OnnxTensor input = createInput(slice, batch, shape);
                 OrtSession.Result result = session.run(Map.of(model.inputName(), input), new LinkedHashSet<>(outputNames))) {
                final float[][][] values = new float[outputNames.size()][][];
                final long[][] shapes = new long[outputNames.size()][];
                for (int output = 0; output < outputNames.size(); output++) {
                    final Optional<OnnxValue> value = result.get(outputNames.get(output));
                    if (value.isEmpty() || !(value.get() instanceof OnnxTensor tensor)) {
                        throw new IllegalStateException("Model " + model.modelId() + " returned no tensor '" + outputNames.get(output) + "'");
                    }
                    final long[] outputShape = tensor.getInfo().getShape();
                    if (outputShape.length == 0 || outputShape[0] != batch) {
                        throw new IllegalStateException("Output '" + outputNames.get(output) + "' has shape " + Arrays.toString(outputShape)
                                + ", not batch " + batch + " first");
                    }
                    shapes[output] = Arrays.copyOfRange(outputShape, 1, outputShape.length);
                    final FloatBuffer data = tensor.getFloatBuffer();
                    if (data == null) {
                        throw new IllegalStateException("Output '" + outputNames.get(output) + "' is " + tensor.getInfo().type + ", not a float tensor");
                    }
                    final int perImage = data.remaining() / batch;
                    values[output] = new float[count][perImage];
                    for (int image = 0; image < count; image++) {
                        data.get(image * perImage, values[output][image]);
                    }
                }
                for (int image = 0; image < count; image++) {
                    final float[][] imageOutputs = new float[outputNames.size()][];
                    for (int output = 0; output < outputNames.size(); output++) {
                        imageOutputs[output] = values[output][image];
                    }
                    outcomes[from + image] = new Outcome(imageOutputs, null);
                }
                if (imageShapes == null) {
                    imageShapes = shapes;
                }
            }
        }

        private OnnxTensor createInput(final FloatBuffer slice, final int batch, final long[] shape) throws OrtException {
            final int values = batch * valuesPerImage;
            if (model.manifest().input().elementType() == InputElementType.FLOAT16) {
                final ShortBuffer halves = ByteBuffer.allocateDirect(values * Short.BYTES).order(ByteOrder.nativeOrder()).asShortBuffer();
                for (int i = 0; i < slice.limit(); i++) {
                    halves.put(i, Float.floatToFloat16(slice.get(i)));
                }
                return OnnxTensor.createTensor(OnnxSessionFactory.environment(), halves, shape, OnnxJavaType.FLOAT16);
            }
            if (slice.limit() == values && slice.isDirect()) {
                return OnnxTensor.createTensor(OnnxSessionFactory.environment(), slice, shape);
            }
            // A fixed batch larger than what is left: pad with zeros (their results are dropped).
            final FloatBuffer padded = ByteBuffer.allocateDirect(values * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
            padded.put(0, slice, 0, slice.limit());
            return OnnxTensor.createTensor(OnnxSessionFactory.environment(), padded, shape);
        }
    }

    /** Allocates a direct, native-order buffer for {@code images} images of a model's input. */
    public static FloatBuffer allocate(final ModelManifest.Input input, final int images) {
        return ByteBuffer.allocateDirect(images * input.valuesPerImage() * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }
}

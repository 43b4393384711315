package dev.nificnn.onnx;

import dev.nificnn.image.TensorLayout;
import dev.nificnn.vocabulary.DescribedChoice;

import java.util.Arrays;

/** How a layer's output becomes a feature vector: as it is (flattened), or pooled over its spatial dimensions. */
public enum FeaturePooling implements DescribedChoice {
    NONE("None", "All values of the layer, flattened in the model's order (C x H x W for NCHW models)"),
    GLOBAL_AVERAGE("Global Average", "The mean of each channel over its spatial positions: one value per channel"),
    GLOBAL_MAX("Global Max", "The maximum of each channel over its spatial positions: one value per channel");

    private final String displayName;
    private final String description;

    FeaturePooling(final String displayName, final String description) {
        this.displayName = displayName;
        this.description = description;
    }

    /**
     * Pools one image's layer output.
     *
     * @param values     the layer's values for one image
     * @param imageShape the layer's shape for one image (batch removed); a rank-1 shape is returned unchanged
     * @param layout     the model's layout: channels first (NCHW) or last (NHWC)
     */
    public float[] apply(final float[] values, final long[] imageShape, final TensorLayout layout) {
        if (this == NONE || imageShape.length < 2) {
            return values.clone();
        }
        final boolean channelsFirst = layout == TensorLayout.CHW;
        final int channels = (int) (channelsFirst ? imageShape[0] : imageShape[imageShape.length - 1]);
        final int positions = values.length / channels;
        final float[] pooled = new float[channels];
        if (channelsFirst) {
            // Each channel is one contiguous run: one pass per channel, only the statistic asked for.
            for (int channel = 0; channel < channels; channel++) {
                final int offset = channel * positions;
                pooled[channel] = this == GLOBAL_AVERAGE ? (float) (sum(values, offset, positions) / positions) : maximum(values, offset, positions);
            }
            return pooled;
        }
        // Channels last: walk the values in memory order, every channel's statistic side by side.
        if (this == GLOBAL_AVERAGE) {
            final double[] sums = new double[channels];
            for (int position = 0; position < positions; position++) {
                final int offset = position * channels;
                for (int channel = 0; channel < channels; channel++) {
                    sums[channel] += values[offset + channel];
                }
            }
            for (int channel = 0; channel < channels; channel++) {
                pooled[channel] = (float) (sums[channel] / positions);
            }
        } else {
            Arrays.fill(pooled, Float.NEGATIVE_INFINITY);
            for (int position = 0; position < positions; position++) {
                final int offset = position * channels;
                for (int channel = 0; channel < channels; channel++) {
                    pooled[channel] = Math.max(pooled[channel], values[offset + channel]);
                }
            }
        }
        return pooled;
    }

    /** Sums a run of values in double precision with four independent accumulators (the JIT keeps them in flight together). */
    private static double sum(final float[] values, final int offset, final int length) {
        double first = 0;
        double second = 0;
        double third = 0;
        double fourth = 0;
        int index = 0;
        for (; index + 3 < length; index += 4) {
            first += values[offset + index];
            second += values[offset + index + 1];
            third += values[offset + index + 2];
            fourth += values[offset + index + 3];
        }
        for (; index < length; index++) {
            first += values[offset + index];
        }
        return (first + second) + (third + fourth);
    }

    private static float maximum(final float[] values, final int offset, final int length) {
        float maximum = Float.NEGATIVE_INFINITY;
        for (int index = 0; index < length; index++) {
            maximum = Math.max(maximum, values[offset + index]);
        }
        return maximum;
    }

    /** Scales a vector in place to unit Euclidean length (a zero vector stays zero) and returns it. */
    public static float[] l2Normalize(final float[] vector) {
        double squares = 0;
        for (final float value : vector) {
            squares += (double) value * value;
        }
        if (squares > 0) {
            final float factor = (float) (1 / Math.sqrt(squares));
            for (int i = 0; i < vector.length; i++) {
                vector[i] *= factor;
            }
        }
        return vector;
    }

    @Override
    public String getValue() {
        return name();
    }

    @Override
    public String getDisplayName() {
        return displayName;
    }

    @Override
    public String getDescription() {
        return description;
    }
}

package dev.nificnn.onnx;

import org.apache.nifi.components.DescribedValue;

/** How a layer's output becomes a feature vector: as it is (flattened), or pooled over its spatial dimensions. */
public enum FeaturePooling implements DescribedValue {
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
    public float[] apply(final float[] values, final long[] imageShape, final InputLayout layout) {
        if (this == NONE || imageShape.length < 2) {
            return values.clone();
        }
        final boolean channelsFirst = layout == InputLayout.NCHW;
        final int channels = (int) (channelsFirst ? imageShape[0] : imageShape[imageShape.length - 1]);
        final int positions = values.length / channels;
        final float[] pooled = new float[channels];
        for (int channel = 0; channel < channels; channel++) {
            float maximum = Float.NEGATIVE_INFINITY;
            double sum = 0;
            for (int position = 0; position < positions; position++) {
                final float value = channelsFirst ? values[channel * positions + position] : values[position * channels + channel];
                sum += value;
                maximum = Math.max(maximum, value);
            }
            pooled[channel] = this == GLOBAL_AVERAGE ? (float) (sum / positions) : maximum;
        }
        return pooled;
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

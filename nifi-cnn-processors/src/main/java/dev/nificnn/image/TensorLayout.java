package dev.nificnn.image;

import dev.nificnn.vocabulary.DescribedChoice;

/** Order of the dimensions of a single-image tensor; a model's batch input adds the batch dimension in front (NCHW, NHWC). */
public enum TensorLayout implements DescribedChoice {
    /** Channel, height, width: one plane per channel (PyTorch, ONNX NCHW models). */
    CHW("CHW", "Channel, height, width: one plane per channel (PyTorch, ONNX NCHW models)"),
    /** Height, width, channel: channels interleaved per pixel (TensorFlow, NHWC models). */
    HWC("HWC", "Height, width, channel: channels interleaved per pixel (TensorFlow, NHWC models)");

    /** The value every component (processor property, model service property, model manifest) takes when none is given. */
    public static final TensorLayout DEFAULT = CHW;

    private final String displayName;
    private final String description;

    TensorLayout(final String displayName, final String description) {
        this.displayName = displayName;
        this.description = description;
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

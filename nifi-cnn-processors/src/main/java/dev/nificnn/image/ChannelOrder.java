package dev.nificnn.image;

import dev.nificnn.vocabulary.DescribedChoice;

/** Order of the colour channels in a tensor. */
public enum ChannelOrder implements DescribedChoice {
    /** Red, green, blue (torchvision, most modern models). */
    RGB("RGB", "Red, green, blue (torchvision, TensorFlow and most modern models)"),
    /** Blue, green, red (Caffe models such as the ONNX Model Zoo AlexNet and SqueezeNet). */
    BGR("BGR", "Blue, green, red (Caffe and OpenCV models such as the ONNX Model Zoo AlexNet and SqueezeNet)");

    /** The value every component (processor property, model service property, model manifest) takes when none is given. */
    public static final ChannelOrder DEFAULT = RGB;

    private final String displayName;
    private final String description;

    ChannelOrder(final String displayName, final String description) {
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

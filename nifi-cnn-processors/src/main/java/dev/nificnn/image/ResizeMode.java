package dev.nificnn.image;

import dev.nificnn.vocabulary.DescribedChoice;

/** How an image is brought to the target width and height. */
public enum ResizeMode implements DescribedChoice {
    /** Scale each axis independently to exactly width x height (the aspect ratio may change). */
    STRETCH("Stretch", "Scale width and height independently to exactly Width x Height; the aspect ratio may change"),
    /** Scale so that the image covers width x height (the shorter side fits), then cut the centre out. */
    SHORTER_SIDE_CROP("Shorter Side Crop", "Scale so that the image covers Width x Height (the shorter side fits, or is scaled to Shorter Side), then keep the centre, as torchvision Resize + CenterCrop"),
    /** Scale so that the whole image fits inside width x height, then pad the rest with black. */
    FIT_PAD("Fit and Pad", "Scale so that the whole image fits inside Width x Height, then pad the rest with black");

    /** The value every component (processor property, model service property, model manifest) takes when none is given. */
    public static final ResizeMode DEFAULT = STRETCH;

    private final String displayName;
    private final String description;

    ResizeMode(final String displayName, final String description) {
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

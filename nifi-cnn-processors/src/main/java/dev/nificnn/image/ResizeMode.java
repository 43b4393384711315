package dev.nificnn.image;

/** How an image is brought to the target width and height. */
public enum ResizeMode {
    /** Scale each axis independently to exactly width x height (the aspect ratio may change). */
    STRETCH,
    /** Scale so that the image covers width x height (the shorter side fits), then cut the centre out. */
    SHORTER_SIDE_CROP,
    /** Scale so that the whole image fits inside width x height, then pad the rest with black. */
    FIT_PAD
}

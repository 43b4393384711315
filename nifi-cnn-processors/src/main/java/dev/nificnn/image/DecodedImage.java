package dev.nificnn.image;

/**
 * A decoded, upright RGB image and the format it was decoded from.
 *
 * @param image  the pixels, already turned upright according to any EXIF orientation
 * @param format the source format
 */
public record DecodedImage(RgbImage image, ImageFormat format) {
}

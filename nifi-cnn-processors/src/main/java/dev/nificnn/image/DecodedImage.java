package dev.nificnn.image;

/**
 * A decoded, upright RGB image and the format it was decoded from.
 *
 * @param image        the pixels, already turned upright according to any EXIF orientation
 * @param format       the source format
 * @param sourceWidth  the upright width the source declares; larger than the image's when it was decoded as a {@link JpegDraft}
 * @param sourceHeight the upright height the source declares
 */
public record DecodedImage(RgbImage image, ImageFormat format, int sourceWidth, int sourceHeight) {

    /** An image decoded at its full size. */
    public DecodedImage(final RgbImage image, final ImageFormat format) {
        this(image, format, image.width(), image.height());
    }
}

package dev.nificnn.image;

/**
 * What was decoded: the source format and the upright size of the image (after EXIF orientation).
 *
 * @param format the format recognised from the content
 * @param width  upright width in pixels
 * @param height upright height in pixels
 */
public record SourceImageInfo(ImageFormat format, int width, int height) {
}

package dev.nificnn.image;

/**
 * How much smaller than its stored size a JPEG may be decoded: Pillow's {@code Image.draft}. libjpeg's DCT scaling decodes
 * at 1/2, 1/4 or 1/8 of the size far faster than decoding everything and resizing it away afterwards. Only the
 * libjpeg-turbo path applies it (ImageIO always decodes the full size), and only for JPEG.
 */
@FunctionalInterface
public interface JpegDraft {

    /** Decode at full size. */
    JpegDraft NONE = (width, height) -> 1;

    /** The scale denominator (1, 2, 4 or 8) for an upright image of {@code width} x {@code height}. */
    int denominator(int width, int height);

    /**
     * Pillow's rule for {@code draft("RGB", size)} with the size the resize of {@code spec} scales the whole image to: the
     * largest of 8, 4, 2, 1 not above {@code min(width / scaledWidth, height / scaledHeight)} (integer quotients), so the
     * decoded image is still at least as large as the resize needs. Decoding then gives the bytes Pillow's draft gives.
     */
    static JpegDraft forResize(final TensorSpec spec) {
        return (width, height) -> {
            final ResizeGeometry geometry = ResizeGeometry.of(width, height, spec.width(), spec.height(), spec.resizeMode(), spec.shorterSide());
            final int scale = Math.min(width / geometry.scaledWidth(), height / geometry.scaledHeight());
            return scale >= 8 ? 8 : scale >= 4 ? 4 : scale >= 2 ? 2 : 1;
        };
    }
}

package dev.nificnn.image;

/**
 * Where a source image lands in a target of width x height for a resize mode: the size the whole source is scaled to,
 * which part of that scaled image is kept (crop offset) and where it is placed in the target (pad offset).
 *
 * @param scaledWidth   width the whole source is scaled to
 * @param scaledHeight  height the whole source is scaled to
 * @param cropX         first scaled column kept
 * @param cropY         first scaled row kept
 * @param padX          target column where the kept part starts
 * @param padY          target row where the kept part starts
 * @param contentWidth  width of the kept part
 * @param contentHeight height of the kept part
 */
record ResizeGeometry(int scaledWidth, int scaledHeight, int cropX, int cropY, int padX, int padY, int contentWidth, int contentHeight) {

    static ResizeGeometry of(final int sourceWidth, final int sourceHeight, final int width, final int height, final ResizeMode mode) {
        switch (mode) {
            case SHORTER_SIDE_CROP: {
                final double factor = Math.max((double) width / sourceWidth, (double) height / sourceHeight);
                final int scaledWidth = Math.max(width, (int) Math.round(sourceWidth * factor));
                final int scaledHeight = Math.max(height, (int) Math.round(sourceHeight * factor));
                return new ResizeGeometry(scaledWidth, scaledHeight, (scaledWidth - width) / 2, (scaledHeight - height) / 2, 0, 0, width, height);
            }
            case FIT_PAD: {
                final double factor = Math.min((double) width / sourceWidth, (double) height / sourceHeight);
                final int scaledWidth = Math.clamp(Math.round(sourceWidth * factor), 1, width);
                final int scaledHeight = Math.clamp(Math.round(sourceHeight * factor), 1, height);
                return new ResizeGeometry(scaledWidth, scaledHeight, 0, 0, (width - scaledWidth) / 2, (height - scaledHeight) / 2, scaledWidth, scaledHeight);
            }
            default:
                return new ResizeGeometry(width, height, 0, 0, 0, 0, width, height);
        }
    }
}

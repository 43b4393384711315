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
        return of(sourceWidth, sourceHeight, width, height, mode, 0);
    }

    /**
     * Like {@link #of(int, int, int, int, ResizeMode)}; with {@link ResizeMode#SHORTER_SIDE_CROP} and a positive {@code shorterSide}
     * the source is first scaled as torchvision's {@code Resize(shorterSide)} does (shorter side to exactly shorterSide, longer side
     * truncated: {@code int(shorterSide * long / short)}), and the centre is cut as {@code CenterCrop} does (offset
     * {@code int(round((scaled - target) / 2.0))}, Python's round half to even). Callers ensure shorterSide >= max(width, height).
     */
    static ResizeGeometry of(final int sourceWidth, final int sourceHeight, final int width, final int height, final ResizeMode mode, final int shorterSide) {
        switch (mode) {
            case SHORTER_SIDE_CROP: {
                if (shorterSide > 0) {
                    final boolean portrait = sourceWidth <= sourceHeight;
                    final int shorter = portrait ? sourceWidth : sourceHeight;
                    final int longer = portrait ? sourceHeight : sourceWidth;
                    // Python's int(size * long / short): a double quotient truncated, not rounded.
                    final int scaledLonger = (int) ((double) shorterSide * longer / shorter);
                    final int scaledWidth = portrait ? shorterSide : scaledLonger;
                    final int scaledHeight = portrait ? scaledLonger : shorterSide;
                    return new ResizeGeometry(scaledWidth, scaledHeight, centreOffset(scaledWidth, width), centreOffset(scaledHeight, height), 0, 0,
                            width, height);
                }
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

    /** torchvision's CenterCrop offset: {@code int(round((scaled - target) / 2.0))}, where Python rounds halves to even. */
    private static int centreOffset(final int scaled, final int target) {
        return (int) Math.rint((scaled - target) / 2.0);
    }
}

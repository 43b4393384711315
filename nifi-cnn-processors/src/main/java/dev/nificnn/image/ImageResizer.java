package dev.nificnn.image;

import java.util.Arrays;

/**
 * Resizes RGB images with a resize mode and an interpolation. Bilinear, bicubic and area use separable convolution with
 * Pillow's weights, horizontal pass first, rounded to 8 bits between passes, so the results equal Pillow's {@code resize}.
 * Padding is black. Thread-safe: working memory is kept per thread.
 */
public final class ImageResizer {

    /**
     * Source rows resampled together by the horizontal pass: 64 ints are four AVX-512 vectors. Longer strips let the JIT's
     * unrolled vector loops run more (192 rows: 1.15x faster on the resize alone) but were no faster from encoded JPEG to
     * tensor, where the larger column arrays compete with the freshly decoded raster for the cache (measured 2026-11-25).
     */
    private static final int STRIP = 64;

    /** Per thread working memory, grown on demand: allocating and zeroing it per image cost more than the arithmetic. */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private ImageResizer() {
    }

    /** Returns {@code source} brought to exactly width x height. */
    public static RgbImage resize(final RgbImage source, final int width, final int height, final ResizeMode mode, final Interpolation interpolation) {
        return resize(source, width, height, mode, interpolation, 0);
    }

    /**
     * Returns {@code source} brought to exactly width x height; with {@link ResizeMode#SHORTER_SIDE_CROP} and a positive
     * {@code shorterSide} (at least max(width, height)) the shorter side is first scaled to shorterSide, as torchvision's
     * {@code Resize(shorterSide)} then {@code CenterCrop((height, width))}.
     */
    public static RgbImage resize(final RgbImage source, final int width, final int height, final ResizeMode mode, final Interpolation interpolation,
                                  final int shorterSide) {
        final int[][][] planes = resizeToPlanes(PixelView.of(source), width, height, mode, interpolation, shorterSide);
        final byte[] target = new byte[3 * width * height];
        int output = 0;
        for (int y = 0; y < height; y++) {
            final int[] red = planes[0][y];
            final int[] green = planes[1][y];
            final int[] blue = planes[2][y];
            for (int x = 0; x < width; x++) {
                target[output++] = (byte) red[x];
                target[output++] = (byte) green[x];
                target[output++] = (byte) blue[x];
            }
        }
        return new RgbImage(width, height, target);
    }

    /**
     * Returns {@code source} brought to exactly width x height as three planes (red, green, blue), each an array of rows of
     * values 0..255 (a row array may be longer than width). One int array per row lets the JIT vectorise the vertical pass and
     * the tensor packing: it does not vectorise loops over bytes, nor loops that read and write the same array type at
     * different offsets (measured 5 to 8 times slower). The planes belong to this thread's working memory: use them before
     * the next call on the same thread.
     */
    static int[][][] resizeToPlanes(final PixelView source, final int width, final int height, final ResizeMode mode, final Interpolation interpolation) {
        return resizeToPlanes(source, width, height, mode, interpolation, 0);
    }

    /** Like {@link #resizeToPlanes(PixelView, int, int, ResizeMode, Interpolation)} with a shorter side length (0 for none). */
    static int[][][] resizeToPlanes(final PixelView source, final int width, final int height, final ResizeMode mode, final Interpolation interpolation,
                                    final int shorterSide) {
        if (shorterSide != 0 && (mode != ResizeMode.SHORTER_SIDE_CROP || shorterSide < Math.max(width, height))) {
            throw new IllegalArgumentException("Shorter side " + shorterSide + " needs the SHORTER_SIDE_CROP mode and at least max(width, height)");
        }
        final ResizeGeometry geometry = ResizeGeometry.of(source.width(), source.height(), width, height, mode, shorterSide);
        if (source.ycbcr() && (interpolation == Interpolation.NEAREST || geometry.scaledWidth() == source.width())) {
            // Only the strip-wise horizontal pass converts YCbCr as it goes; the other paths get an RGB copy.
            return resizeToPlanes(JpegColor.toRgb(source), width, height, mode, interpolation, shorterSide);
        }
        final Scratch scratch = SCRATCH.get();
        final int[][][] planes = scratch.planes(height, width);
        if (geometry.contentWidth() != width || geometry.contentHeight() != height) {
            for (final int[][] plane : planes) {
                for (int y = 0; y < height; y++) {
                    Arrays.fill(plane[y], 0, width, 0);
                }
            }
        }
        if (interpolation == Interpolation.NEAREST) {
            nearest(source, geometry, planes);
        } else {
            convolve(source, geometry, interpolation, planes, scratch);
        }
        return planes;
    }

    private static void nearest(final PixelView source, final ResizeGeometry geometry, final int[][][] planes) {
        final double stepX = (double) source.width() / geometry.scaledWidth();
        final double stepY = (double) source.height() / geometry.scaledHeight();
        final int[] columns = sourceIndices(stepX, geometry.cropX(), geometry.contentWidth(), source.width());
        final int[] rows = sourceIndices(stepY, geometry.cropY(), geometry.contentHeight(), source.height());
        final byte[] pixels = source.data();
        for (int y = 0; y < geometry.contentHeight(); y++) {
            final int input = source.offset() + rows[y] * source.scanlineStride();
            final int[] red = planes[0][geometry.padY() + y];
            final int[] green = planes[1][geometry.padY() + y];
            final int[] blue = planes[2][geometry.padY() + y];
            int output = geometry.padX();
            for (final int column : columns) {
                final int sample = input + column * source.pixelStride();
                red[output] = pixels[sample + source.redOffset()] & 0xff;
                green[output] = pixels[sample + source.greenOffset()] & 0xff;
                blue[output] = pixels[sample + source.blueOffset()] & 0xff;
                output++;
            }
        }
    }

    /**
     * Source index under the centre of each of {@code count} outputs starting at scaled index {@code first}. Pillow steps
     * through centres with a running sum of the inexact step: doing the same makes centres that fall exactly on a pixel
     * border round the same way.
     */
    private static int[] sourceIndices(final double step, final int first, final int count, final int sourceSize) {
        final int[] indices = new int[count];
        double centre = step * 0.5;
        for (int i = 0; i < first + count; i++) {
            if (i >= first) {
                indices[i - first] = Math.min(sourceSize - 1, (int) centre);
            }
            centre += step;
        }
        return indices;
    }

    private static void convolve(final PixelView source, final ResizeGeometry geometry, final Interpolation interpolation, final int[][][] planes,
                                 final Scratch scratch) {
        final ResampleWeights vertical = geometry.scaledHeight() == source.height() ? null
                : ResampleWeights.of(source.height(), geometry.scaledHeight(), interpolation);
        final ResampleWeights horizontal = geometry.scaledWidth() == source.width() ? null
                : ResampleWeights.of(source.width(), geometry.scaledWidth(), interpolation);
        final int contentWidth = geometry.contentWidth();
        final int lastRow = geometry.cropY() + geometry.contentHeight() - 1;
        final int firstSourceRow = vertical == null ? geometry.cropY() : vertical.first[geometry.cropY()];
        final int endSourceRow = vertical == null ? lastRow + 1 : vertical.first[lastRow] + vertical.count[lastRow];
        final int[][][] intermediate = scratch.intermediate(endSourceRow - firstSourceRow, contentWidth);
        if (horizontal == null) {
            copyColumns(source, geometry.cropX(), contentWidth, firstSourceRow, endSourceRow, intermediate);
        } else {
            horizontalPassInStrips(source, horizontal, geometry.cropX(), contentWidth, firstSourceRow, endSourceRow, intermediate, scratch);
        }
        final int[] sums = scratch.sums(contentWidth);
        for (int channel = 0; channel < 3; channel++) {
            final int[][] rows = intermediate[channel];
            final int[][] plane = planes[channel];
            for (int y = 0; y < geometry.contentHeight(); y++) {
                final int[] target = plane[geometry.padY() + y];
                final int scaledRow = geometry.cropY() + y;
                if (vertical == null) {
                    System.arraycopy(rows[scaledRow - firstSourceRow], 0, target, geometry.padX(), contentWidth);
                    continue;
                }
                Arrays.fill(sums, 0, contentWidth, ResampleWeights.ROUNDING);
                final int taps = vertical.count[scaledRow];
                final int weightOffset = scaledRow * vertical.kernelSize;
                final int firstInput = vertical.first[scaledRow] - firstSourceRow;
                for (int tap = 0; tap < taps; tap++) {
                    final int weight = vertical.weights[weightOffset + tap];
                    final int[] input = rows[firstInput + tap];
                    for (int i = 0; i < contentWidth; i++) {
                        sums[i] += input[i] * weight;
                    }
                }
                if (geometry.padX() == 0) {
                    for (int i = 0; i < contentWidth; i++) {
                        target[i] = Math.max(0, Math.min(255, sums[i] >> ResampleWeights.PRECISION_BITS));
                    }
                } else {
                    for (int i = 0; i < contentWidth; i++) {
                        sums[i] = Math.max(0, Math.min(255, sums[i] >> ResampleWeights.PRECISION_BITS));
                    }
                    System.arraycopy(sums, 0, target, geometry.padX(), contentWidth);
                }
            }
        }
    }

    /**
     * Copies columns [cropX, cropX + contentWidth) of source rows [firstRow, endRow) into three planes of 0..255 ints: the
     * horizontal pass when the width does not change.
     */
    private static void copyColumns(final PixelView source, final int cropX, final int contentWidth, final int firstRow, final int endRow,
                                    final int[][][] intermediate) {
        final byte[] pixels = source.data();
        final int pixelStride = source.pixelStride();
        final int redOffset = source.redOffset();
        final int greenOffset = source.greenOffset();
        final int blueOffset = source.blueOffset();
        for (int row = firstRow; row < endRow; row++) {
            final int[] red = intermediate[0][row - firstRow];
            final int[] green = intermediate[1][row - firstRow];
            final int[] blue = intermediate[2][row - firstRow];
            int input = source.offset() + row * source.scanlineStride() + pixelStride * cropX;
            for (int x = 0; x < contentWidth; x++, input += pixelStride) {
                red[x] = pixels[input + redOffset] & 0xff;
                green[x] = pixels[input + greenOffset] & 0xff;
                blue[x] = pixels[input + blueOffset] & 0xff;
            }
        }
    }

    /**
     * Resamples source rows [firstRow, endRow) horizontally into contentWidth columns starting at scaled column cropX, writing
     * three planes of 0..255 ints (rounded to 8 bits like Pillow's intermediate image). Arranged so that the JIT vectorises it:
     * a strip of {@value #STRIP} source rows is first turned into one int array per source column (rows contiguous), then each
     * output column is a weighted sum of whole column arrays, index against index, 16 rows per AVX-512 instruction.
     */
    private static void horizontalPassInStrips(final PixelView source, final ResampleWeights horizontal, final int cropX, final int contentWidth,
                                               final int firstRow, final int endRow, final int[][][] intermediate, final Scratch scratch) {
        final int lastColumn = cropX + contentWidth - 1;
        final int firstSourceColumn = horizontal.first[cropX];
        final int endSourceColumn = horizontal.first[lastColumn] + horizontal.count[lastColumn];
        final int sourceWidth = source.width();
        final int[][] columns = scratch.columns(3 * sourceWidth);
        final int[] sums = scratch.stripSums();
        for (int stripStart = firstRow; stripStart < endRow; stripStart += STRIP) {
            final int rows = Math.min(STRIP, endRow - stripStart);
            transposeStrip(source, stripStart, rows, firstSourceColumn, endSourceColumn, columns);
            if (source.ycbcr()) {
                // JPEG samples straight from the decoder: turned into RGB here, a whole strip column per vectorised loop.
                for (int column = firstSourceColumn; column < endSourceColumn; column++) {
                    JpegColor.toRgb(columns[column], columns[sourceWidth + column], columns[2 * sourceWidth + column], STRIP);
                }
            }
            for (int channel = 0; channel < 3; channel++) {
                resampleStrip(horizontal, cropX, lastColumn, columns, channel * sourceWidth, sums, intermediate[channel], stripStart - firstRow, rows);
            }
        }
    }

    /**
     * Copies {@code rows} source rows from {@code stripStart}, source columns [firstColumn, endColumn), into one int array per
     * column and channel: red columns first, then green, then blue, {@code source.width()} arrays each.
     */
    private static void transposeStrip(final PixelView source, final int stripStart, final int rows, final int firstColumn, final int endColumn,
                                       final int[][] columns) {
        final byte[] pixels = source.data();
        final int pixelStride = source.pixelStride();
        final int scanlineStride = source.scanlineStride();
        final int sourceWidth = source.width();
        final int redOffset = source.redOffset();
        final int greenOffset = source.greenOffset();
        final int blueOffset = source.blueOffset();
        // Column by column, rows inner: the source lines of the strip stay in the L1 cache while the columns fill in order.
        final int stripOffset = source.offset() + stripStart * scanlineStride;
        for (int column = firstColumn; column < endColumn; column++) {
            final int[] red = columns[column];
            final int[] green = columns[sourceWidth + column];
            final int[] blue = columns[2 * sourceWidth + column];
            int input = stripOffset + column * pixelStride;
            for (int row = 0; row < rows; row++) {
                red[row] = pixels[input + redOffset] & 0xff;
                green[row] = pixels[input + greenOffset] & 0xff;
                blue[row] = pixels[input + blueOffset] & 0xff;
                input += scanlineStride;
            }
        }
    }

    /**
     * Writes output columns [cropX, lastColumn] of one channel of a transposed strip into {@code output} rows from
     * {@code outputRow}: each is a weighted sum of whole column arrays, over all {@value #STRIP} rows so that the loops have a
     * fixed length, of which the first {@code rows} are kept.
     */
    private static void resampleStrip(final ResampleWeights horizontal, final int cropX, final int lastColumn, final int[][] columns,
                                      final int columnBase, final int[] sums, final int[][] output, final int outputRow, final int rows) {
        final int[] first = horizontal.first;
        final int[] count = horizontal.count;
        final int[] weights = horizontal.weights;
        final int kernelSize = horizontal.kernelSize;
        for (int x = cropX; x <= lastColumn; x++) {
            int weightIndex = x * kernelSize;
            final int end = weightIndex + count[x];
            int column = columnBase + first[x];
            final int firstWeight = weights[weightIndex];
            final int[] firstValues = columns[column];
            for (int row = 0; row < STRIP; row++) {
                sums[row] = ResampleWeights.ROUNDING + firstValues[row] * firstWeight;
            }
            for (weightIndex++, column++; weightIndex < end; weightIndex++, column++) {
                final int weight = weights[weightIndex];
                final int[] values = columns[column];
                for (int row = 0; row < STRIP; row++) {
                    sums[row] += values[row] * weight;
                }
            }
            for (int row = 0; row < STRIP; row++) {
                sums[row] = Math.max(0, Math.min(255, sums[row] >> ResampleWeights.PRECISION_BITS));
            }
            final int outputColumn = x - cropX;
            for (int row = 0; row < rows; row++) {
                output[outputRow + row][outputColumn] = sums[row];
            }
        }
    }

    /** Working arrays of one thread. */
    private static final class Scratch {
        private int[][][] planes = new int[3][0][0];
        private int[][][] intermediate = new int[3][0][0];
        private int[] sums = new int[0];
        private int[][] columns = new int[0][STRIP];
        private final int[] stripSums = new int[STRIP];

        int[][] columns(final int count) {
            if (columns.length < count) {
                columns = new int[count][STRIP];
            }
            return columns;
        }

        int[] stripSums() {
            return stripSums;
        }

        int[][][] planes(final int rows, final int columns) {
            planes = grow(planes, rows, columns);
            return planes;
        }

        int[][][] intermediate(final int rows, final int columns) {
            intermediate = grow(intermediate, rows, columns);
            return intermediate;
        }

        int[] sums(final int size) {
            if (sums.length < size) {
                sums = new int[size];
            }
            return sums;
        }

        private static int[][][] grow(final int[][][] arrays, final int rows, final int columns) {
            if (arrays[0].length >= rows && (rows == 0 || arrays[0][0].length >= columns)) {
                return arrays;
            }
            final int keptColumns = arrays[0].length == 0 ? 0 : arrays[0][0].length;
            return new int[3][Math.max(rows, arrays[0].length)][Math.max(columns, keptColumns)];
        }
    }
}

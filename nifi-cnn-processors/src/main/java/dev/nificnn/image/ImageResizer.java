package dev.nificnn.image;

import java.util.Arrays;

/**
 * Resizes RGB images with a resize mode and an interpolation. Bilinear, bicubic and area use separable convolution with
 * Pillow's weights, horizontal pass first, rounded to 8 bits between passes, so the results equal Pillow's {@code resize}.
 * Padding is black. Stateless and thread-safe.
 */
public final class ImageResizer {

    private ImageResizer() {
    }

    /** Returns {@code source} brought to exactly width x height. */
    public static RgbImage resize(final RgbImage source, final int width, final int height, final ResizeMode mode, final Interpolation interpolation) {
        final ResizeGeometry geometry = ResizeGeometry.of(source.width(), source.height(), width, height, mode);
        final byte[] target = new byte[3 * width * height];
        if (interpolation == Interpolation.NEAREST) {
            nearest(source, geometry, target, width);
        } else {
            convolve(source, geometry, interpolation, target, width);
        }
        return new RgbImage(width, height, target);
    }

    private static void nearest(final RgbImage source, final ResizeGeometry geometry, final byte[] target, final int targetWidth) {
        final int sourceWidth = source.width();
        final int sourceHeight = source.height();
        final double stepX = (double) sourceWidth / geometry.scaledWidth();
        final double stepY = (double) sourceHeight / geometry.scaledHeight();
        final int[] columns = sourceIndices(stepX, geometry.cropX(), geometry.contentWidth(), sourceWidth);
        final int[] rows = sourceIndices(stepY, geometry.cropY(), geometry.contentHeight(), sourceHeight);
        final byte[] pixels = source.pixels();
        for (int y = 0; y < geometry.contentHeight(); y++) {
            final int input = rows[y] * sourceWidth * 3;
            int output = ((geometry.padY() + y) * targetWidth + geometry.padX()) * 3;
            for (final int column : columns) {
                final int sample = input + 3 * column;
                target[output++] = pixels[sample];
                target[output++] = pixels[sample + 1];
                target[output++] = pixels[sample + 2];
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

    private static void convolve(final RgbImage source, final ResizeGeometry geometry, final Interpolation interpolation, final byte[] target,
                                 final int targetWidth) {
        final int sourceWidth = source.width();
        final int sourceHeight = source.height();
        final ResampleWeights vertical = geometry.scaledHeight() == sourceHeight ? null : ResampleWeights.of(sourceHeight, geometry.scaledHeight(), interpolation);
        final ResampleWeights horizontal = geometry.scaledWidth() == sourceWidth ? null : ResampleWeights.of(sourceWidth, geometry.scaledWidth(), interpolation);
        final int lastRow = geometry.cropY() + geometry.contentHeight() - 1;
        final int firstSourceRow = vertical == null ? geometry.cropY() : vertical.first[geometry.cropY()];
        final int endSourceRow = vertical == null ? lastRow + 1 : vertical.first[lastRow] + vertical.count[lastRow];
        final int rowLength = 3 * geometry.contentWidth();
        final byte[] intermediate = horizontalPass(source, horizontal, geometry.cropX(), geometry.contentWidth(), firstSourceRow, endSourceRow);
        final int[] sums = new int[rowLength];
        for (int y = 0; y < geometry.contentHeight(); y++) {
            final int output = ((geometry.padY() + y) * targetWidth + geometry.padX()) * 3;
            final int scaledRow = geometry.cropY() + y;
            if (vertical == null) {
                System.arraycopy(intermediate, (scaledRow - firstSourceRow) * rowLength, target, output, rowLength);
                continue;
            }
            Arrays.fill(sums, ResampleWeights.ROUNDING);
            final int taps = vertical.count[scaledRow];
            final int weightOffset = scaledRow * vertical.kernelSize;
            int input = (vertical.first[scaledRow] - firstSourceRow) * rowLength;
            for (int tap = 0; tap < taps; tap++) {
                final int weight = vertical.weights[weightOffset + tap];
                for (int i = 0; i < rowLength; i++) {
                    sums[i] += (intermediate[input + i] & 0xff) * weight;
                }
                input += rowLength;
            }
            for (int i = 0; i < rowLength; i++) {
                target[output + i] = clip(sums[i]);
            }
        }
    }

    /** Resamples source rows [firstRow, endRow) horizontally into contentWidth columns starting at scaled column cropX. */
    private static byte[] horizontalPass(final RgbImage source, final ResampleWeights horizontal, final int cropX, final int contentWidth,
                                         final int firstRow, final int endRow) {
        final int sourceWidth = source.width();
        final byte[] pixels = source.pixels();
        final int rowLength = 3 * contentWidth;
        final byte[] intermediate = new byte[(endRow - firstRow) * rowLength];
        int output = 0;
        for (int row = firstRow; row < endRow; row++) {
            final int rowStart = row * sourceWidth * 3;
            if (horizontal == null) {
                System.arraycopy(pixels, rowStart + 3 * cropX, intermediate, output, rowLength);
                output += rowLength;
                continue;
            }
            for (int x = cropX; x < cropX + contentWidth; x++) {
                int red = ResampleWeights.ROUNDING;
                int green = ResampleWeights.ROUNDING;
                int blue = ResampleWeights.ROUNDING;
                int input = rowStart + 3 * horizontal.first[x];
                final int weightOffset = x * horizontal.kernelSize;
                final int taps = horizontal.count[x];
                for (int tap = 0; tap < taps; tap++) {
                    final int weight = horizontal.weights[weightOffset + tap];
                    red += (pixels[input] & 0xff) * weight;
                    green += (pixels[input + 1] & 0xff) * weight;
                    blue += (pixels[input + 2] & 0xff) * weight;
                    input += 3;
                }
                intermediate[output++] = clip(red);
                intermediate[output++] = clip(green);
                intermediate[output++] = clip(blue);
            }
        }
        return intermediate;
    }

    private static byte clip(final int sum) {
        final int value = sum >> ResampleWeights.PRECISION_BITS;
        return (byte) (value < 0 ? 0 : Math.min(value, 255));
    }
}

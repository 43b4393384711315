package dev.nificnn.image;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Precomputed fixed-point filter weights for resampling one axis from {@code inputSize} to {@code outputSize} samples,
 * computed the way Pillow computes them (support scaled by the reduction factor, 22 fractional bits), so that results
 * agree with Pillow's {@code Image.resize}. Instances are immutable and cached.
 */
final class ResampleWeights {

    /** Fractional bits of the fixed-point weights: Pillow's PRECISION_BITS for 8-bit images. */
    static final int PRECISION_BITS = 32 - 8 - 2;
    /** Added before the final shift so that it rounds to nearest. */
    static final int ROUNDING = 1 << (PRECISION_BITS - 1);

    private static final int CACHE_LIMIT = 512;
    private static final Map<Key, ResampleWeights> CACHE = new ConcurrentHashMap<>();

    /** Per output sample: index of the first input sample used. */
    final int[] first;
    /** Per output sample: number of input samples used. */
    final int[] count;
    /** Weights, {@code kernelSize} per output sample, of which the first {@code count} are used. */
    final int[] weights;
    final int kernelSize;

    private ResampleWeights(final int[] first, final int[] count, final int[] weights, final int kernelSize) {
        this.first = first;
        this.count = count;
        this.weights = weights;
        this.kernelSize = kernelSize;
    }

    /** Returns the (cached) weights for one axis; NEAREST is not a convolution and has none. */
    static ResampleWeights of(final int inputSize, final int outputSize, final Interpolation interpolation) {
        final Key key = new Key(inputSize, outputSize, interpolation);
        final ResampleWeights cached = CACHE.get(key);
        if (cached != null) {
            return cached;
        }
        final ResampleWeights computed = compute(inputSize, outputSize, interpolation);
        if (CACHE.size() >= CACHE_LIMIT) {
            // Many distinct image sizes: forget them all rather than grow without bound.
            CACHE.clear();
        }
        CACHE.put(key, computed);
        return computed;
    }

    private static ResampleWeights compute(final int inputSize, final int outputSize, final Interpolation interpolation) {
        final double filterSupport = switch (interpolation) {
            case AREA -> 0.5;
            case BILINEAR -> 1.0;
            case BICUBIC -> 2.0;
            case NEAREST -> throw new IllegalArgumentException("Nearest neighbour resampling has no filter weights");
        };
        final double scale = (double) inputSize / outputSize;
        final double filterScale = Math.max(scale, 1.0);
        final double support = filterSupport * filterScale;
        final int kernelSize = (int) Math.ceil(support) * 2 + 1;
        final int[] first = new int[outputSize];
        final int[] count = new int[outputSize];
        final int[] weights = new int[outputSize * kernelSize];
        final double[] kernel = new double[kernelSize];
        final double inverseFilterScale = 1.0 / filterScale;
        for (int output = 0; output < outputSize; output++) {
            final double centre = (output + 0.5) * scale;
            final int minimum = Math.max((int) (centre - support + 0.5), 0);
            final int used = Math.min((int) (centre + support + 0.5), inputSize) - minimum;
            double total = 0.0;
            for (int i = 0; i < used; i++) {
                final double weight = filter(interpolation, (i + minimum - centre + 0.5) * inverseFilterScale);
                kernel[i] = weight;
                total += weight;
            }
            for (int i = 0; i < used; i++) {
                final double normalised = total != 0.0 ? kernel[i] / total : kernel[i];
                weights[output * kernelSize + i] = (int) (normalised < 0 ? -0.5 + normalised * (1 << PRECISION_BITS) : 0.5 + normalised * (1 << PRECISION_BITS));
            }
            first[output] = minimum;
            count[output] = Math.max(used, 0);
        }
        return new ResampleWeights(first, count, weights, kernelSize);
    }

    private static double filter(final Interpolation interpolation, final double position) {
        switch (interpolation) {
            case AREA:
                return position > -0.5 && position <= 0.5 ? 1.0 : 0.0;
            case BILINEAR: {
                final double distance = Math.abs(position);
                return distance < 1.0 ? 1.0 - distance : 0.0;
            }
            default: {
                // Keys' cubic convolution with a = -0.5, as Pillow's bicubic filter.
                final double a = -0.5;
                final double distance = Math.abs(position);
                if (distance < 1.0) {
                    return ((a + 2.0) * distance - (a + 3.0)) * distance * distance + 1;
                }
                if (distance < 2.0) {
                    return (((distance - 5) * distance + 8) * distance - 4) * a;
                }
                return 0.0;
            }
        }
    }

    private record Key(int inputSize, int outputSize, Interpolation interpolation) {
    }
}

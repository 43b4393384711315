package dev.nificnn.image;

import java.util.Arrays;
import java.util.Objects;

/**
 * What tensor an image becomes: its size, how the image is resized, and how each 0..255 pixel value is normalised.
 * Each value is {@code (pixel * scale - mean[c]) / std[c]}, with {@code mean} and {@code std} listed in the tensor's
 * channel order. A single mean or std value applies to all three channels.
 *
 * @param width         tensor width in pixels
 * @param height        tensor height in pixels
 * @param resizeMode    how the aspect ratio is handled
 * @param interpolation resampling filter
 * @param layout        CHW or HWC
 * @param channelOrder  RGB or BGR
 * @param scale         factor applied to the 0..255 pixel value before the mean is subtracted
 * @param mean          per-channel mean (1 or 3 values), in tensor channel order
 * @param std           per-channel standard deviation (1 or 3 positive values), in tensor channel order
 */
public record TensorSpec(int width, int height, ResizeMode resizeMode, Interpolation interpolation, TensorLayout layout,
                         ChannelOrder channelOrder, float scale, float[] mean, float[] std) {

    /** Number of colour channels of every tensor this project writes. */
    public static final int CHANNELS = 3;

    public TensorSpec {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("Tensor width and height must be positive, not " + width + " x " + height);
        }
        Objects.requireNonNull(resizeMode, "Resize mode required");
        Objects.requireNonNull(interpolation, "Interpolation required");
        Objects.requireNonNull(layout, "Tensor layout required");
        Objects.requireNonNull(channelOrder, "Channel order required");
        if (!Float.isFinite(scale)) {
            throw new IllegalArgumentException("Scale must be a finite number, not " + scale);
        }
        mean = perChannel(mean, "Mean");
        std = perChannel(std, "Std");
        for (final float deviation : std) {
            if (!(deviation > 0)) {
                throw new IllegalArgumentException("Std values must be greater than zero, not " + Arrays.toString(std));
            }
        }
    }

    /** A spec that keeps pixel values 0..255 unchanged: scale 1, mean 0, std 1. */
    public static TensorSpec unnormalised(final int width, final int height, final ResizeMode resizeMode, final Interpolation interpolation,
                                          final TensorLayout layout, final ChannelOrder channelOrder) {
        return new TensorSpec(width, height, resizeMode, interpolation, layout, channelOrder, 1f, new float[] {0f}, new float[] {1f});
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    /** Number of floats in one image's tensor: 3 x width x height. */
    public int elementCount() {
        return CHANNELS * width * height;
    }

    /** The tensor's shape for one image, e.g. {@code [3, 224, 224]} for CHW. */
    public int[] shape() {
        return layout == TensorLayout.CHW ? new int[] {CHANNELS, height, width} : new int[] {height, width, CHANNELS};
    }

    @Override
    public boolean equals(final Object other) {
        return other instanceof TensorSpec that && width == that.width && height == that.height && resizeMode == that.resizeMode
                && interpolation == that.interpolation && layout == that.layout && channelOrder == that.channelOrder
                && Float.compare(scale, that.scale) == 0 && Arrays.equals(mean, that.mean) && Arrays.equals(std, that.std);
    }

    @Override
    public int hashCode() {
        return Objects.hash(width, height, resizeMode, interpolation, layout, channelOrder, scale, Arrays.hashCode(mean), Arrays.hashCode(std));
    }

    @Override
    public String toString() {
        return "TensorSpec[" + width + "x" + height + ", " + resizeMode + ", " + interpolation + ", " + layout + ", " + channelOrder
                + ", scale=" + scale + ", mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
    }

    private static float[] perChannel(final float[] values, final String name) {
        Objects.requireNonNull(values, name + " required");
        if (values.length == 1) {
            return new float[] {values[0], values[0], values[0]};
        }
        if (values.length != CHANNELS) {
            throw new IllegalArgumentException(name + " needs 1 or 3 values, not " + values.length);
        }
        for (final float value : values) {
            if (!Float.isFinite(value)) {
                throw new IllegalArgumentException(name + " values must be finite numbers, not " + Arrays.toString(values));
            }
        }
        return values.clone();
    }
}

package dev.nificnn.image;

import java.nio.FloatBuffer;

/**
 * Turns an RGB image of the spec's size into normalised floats in the spec's layout and channel order.
 * Uses one 256-entry lookup table per channel, so every value is exactly {@code (pixel * scale - mean[c]) / std[c]} in float arithmetic.
 * Immutable and thread-safe.
 */
public final class TensorPacker {

    private final TensorSpec spec;
    /** Per tensor channel: the float for each 0..255 pixel value. */
    private final float[][] lookup;
    /** Per tensor channel: which RGB sample (0 red, 1 green, 2 blue) it takes. */
    private final int[] sourceChannel;
    private final float scale;
    private final float[] mean;
    private final float[] std;

    public TensorPacker(final TensorSpec spec) {
        this.spec = spec;
        final float[] mean = spec.mean();
        final float[] std = spec.std();
        this.lookup = new float[TensorSpec.CHANNELS][256];
        for (int channel = 0; channel < TensorSpec.CHANNELS; channel++) {
            for (int value = 0; value < 256; value++) {
                lookup[channel][value] = (value * spec.scale() - mean[channel]) / std[channel];
            }
        }
        this.sourceChannel = spec.channelOrder() == ChannelOrder.RGB ? new int[] {0, 1, 2} : new int[] {2, 1, 0};
        this.scale = spec.scale();
        this.mean = mean;
        this.std = std;
    }

    /** The float that pixel value {@code value} becomes in tensor channel {@code channel}. */
    public float valueOf(final int channel, final int value) {
        return lookup[channel][value];
    }

    /**
     * Writes the tensor of an image held as red, green and blue planes of width x height values 0..255 at the destination's position
     * and advances it. The arithmetic is the lookup table's, written out so that the JIT can vectorise it for CHW.
     */
    void pack(final int[][][] planes, final FloatBuffer destination) {
        final int width = spec.width();
        final int height = spec.height();
        final int start = destination.position();
        if (destination.remaining() < spec.elementCount()) {
            throw new IllegalArgumentException("Destination has room for " + destination.remaining() + " floats, the tensor needs " + spec.elementCount());
        }
        if (spec.layout() == TensorLayout.CHW) {
            final float[] row = new float[width];
            for (int channel = 0; channel < TensorSpec.CHANNELS; channel++) {
                final int[][] plane = planes[sourceChannel[channel]];
                final float channelMean = mean[channel];
                final float channelStd = std[channel];
                int output = start + channel * width * height;
                for (int y = 0; y < height; y++) {
                    final int[] input = plane[y];
                    for (int x = 0; x < width; x++) {
                        row[x] = (input[x] * scale - channelMean) / channelStd;
                    }
                    destination.put(output, row, 0, width);
                    output += width;
                }
            }
        } else {
            final float[] row = new float[3 * width];
            final int[][] first = planes[sourceChannel[0]];
            final int[][] second = planes[sourceChannel[1]];
            final int[][] third = planes[sourceChannel[2]];
            final float[] firstTable = lookup[0];
            final float[] secondTable = lookup[1];
            final float[] thirdTable = lookup[2];
            for (int y = 0; y < height; y++) {
                final int[] firstRow = first[y];
                final int[] secondRow = second[y];
                final int[] thirdRow = third[y];
                for (int x = 0; x < width; x++) {
                    row[3 * x] = firstTable[firstRow[x]];
                    row[3 * x + 1] = secondTable[secondRow[x]];
                    row[3 * x + 2] = thirdTable[thirdRow[x]];
                }
                destination.put(start + y * 3 * width, row, 0, 3 * width);
            }
        }
        destination.position(start + spec.elementCount());
    }

    /** Writes the 3 x width x height floats of {@code image} at the destination's position and advances it. */
    public void pack(final RgbImage image, final FloatBuffer destination) {
        if (image.width() != spec.width() || image.height() != spec.height()) {
            throw new IllegalArgumentException("Image is " + image.width() + " x " + image.height() + " but the tensor needs " + spec.width() + " x " + spec.height());
        }
        final int width = image.width();
        final int height = image.height();
        final int start = destination.position();
        if (destination.remaining() < spec.elementCount()) {
            throw new IllegalArgumentException("Destination has room for " + destination.remaining() + " floats, the tensor needs " + spec.elementCount());
        }
        final byte[] pixels = image.pixels();
        if (spec.layout() == TensorLayout.CHW) {
            final float[] row = new float[width];
            final int plane = width * height;
            for (int channel = 0; channel < TensorSpec.CHANNELS; channel++) {
                final float[] table = lookup[channel];
                final int offset = sourceChannel[channel];
                for (int y = 0; y < height; y++) {
                    int input = y * width * 3 + offset;
                    for (int x = 0; x < width; x++) {
                        row[x] = table[pixels[input] & 0xff];
                        input += 3;
                    }
                    destination.put(start + channel * plane + y * width, row, 0, width);
                }
            }
        } else {
            final float[] row = new float[3 * width];
            final float[] first = lookup[0];
            final float[] second = lookup[1];
            final float[] third = lookup[2];
            final int firstOffset = sourceChannel[0];
            final int thirdOffset = sourceChannel[2];
            for (int y = 0; y < height; y++) {
                final int input = y * width * 3;
                for (int i = 0; i < 3 * width; i += 3) {
                    row[i] = first[pixels[input + i + firstOffset] & 0xff];
                    row[i + 1] = second[pixels[input + i + 1] & 0xff];
                    row[i + 2] = third[pixels[input + i + thirdOffset] & 0xff];
                }
                destination.put(start + y * 3 * width, row, 0, 3 * width);
            }
        }
        destination.position(start + spec.elementCount());
    }
}

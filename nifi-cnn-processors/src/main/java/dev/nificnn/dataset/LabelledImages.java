package dev.nificnn.dataset;

import java.util.Objects;

/**
 * A whole labelled image dataset in memory: unsigned 8-bit pixels, image after image, each row-major interleaved HWC.
 *
 * @param count number of images
 * @param height rows of every image
 * @param width columns of every image
 * @param channels 1 for grey, 3 for RGB
 * @param labels one unsigned label byte per image
 * @param pixels {@code count * height * width * channels} unsigned bytes
 */
public record LabelledImages(int count, int height, int width, int channels, byte[] labels, byte[] pixels) {

    public LabelledImages {
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(pixels, "pixels");
        if (count < 0 || height <= 0 || width <= 0 || channels <= 0) {
            throw new IllegalArgumentException("Invalid dataset geometry: count " + count + ", " + height + " x " + width + " x " + channels);
        }
        if (labels.length != count) {
            throw new IllegalArgumentException("Expected " + count + " labels but got " + labels.length);
        }
        if ((long) pixels.length != (long) count * height * width * channels) {
            throw new IllegalArgumentException("Expected " + (long) count * height * width * channels + " pixel bytes but got " + pixels.length);
        }
    }

    /** Bytes of one image (height * width * channels). */
    public int imageSize() {
        return height * width * channels;
    }

    /** The label of image {@code index} as an unsigned value 0..255. */
    public int label(final int index) {
        return Byte.toUnsignedInt(labels[index]);
    }

    /** A copy of the HWC pixels of image {@code index}. */
    public byte[] image(final int index) {
        final byte[] image = new byte[imageSize()];
        System.arraycopy(pixels, index * imageSize(), image, 0, image.length);
        return image;
    }
}

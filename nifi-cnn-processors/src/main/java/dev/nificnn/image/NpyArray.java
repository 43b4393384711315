package dev.nificnn.image;

import java.util.Arrays;

/**
 * A float32 array read from a {@code .npy} file: its shape and its values in C (row-major) order.
 *
 * @param shape dimensions, outermost first
 * @param data  values, last dimension varying fastest
 */
public record NpyArray(int[] shape, float[] data) {

    public NpyArray {
        shape = shape.clone();
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    @Override
    public String toString() {
        return "NpyArray[shape=" + Arrays.toString(shape) + ", values=" + data.length + "]";
    }
}

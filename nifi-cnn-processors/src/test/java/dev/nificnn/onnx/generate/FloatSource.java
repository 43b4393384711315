package dev.nificnn.onnx.generate;

/** Produces the values of a float tensor chunk by chunk, in order, so that large weights never need to sit in memory whole. */
@FunctionalInterface
public interface FloatSource {

    /** Fills destination[0..count) with the next count values of the tensor. */
    void fill(float[] destination, int count);
}

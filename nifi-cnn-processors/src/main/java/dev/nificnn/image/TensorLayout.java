package dev.nificnn.image;

/** Order of the dimensions of a single-image tensor. */
public enum TensorLayout {
    /** Channel, height, width: one plane per channel (PyTorch, ONNX NCHW models). */
    CHW,
    /** Height, width, channel: channels interleaved per pixel (TensorFlow, NHWC models). */
    HWC
}

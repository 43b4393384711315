package dev.nificnn.onnx;

/** Axis order of a model's image input: channels first (NCHW) or channels last (NHWC). */
public enum InputLayout {
    NCHW,
    NHWC
}

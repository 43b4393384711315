package dev.nificnn.onnx;

/** Element type of a model's image input, as a manifest names it. */
public enum InputElementType {
    FLOAT32("float32"),
    FLOAT16("float16");

    private final String manifestName;

    InputElementType(final String manifestName) {
        this.manifestName = manifestName;
    }

    public String manifestName() {
        return manifestName;
    }
}

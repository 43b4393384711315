package dev.nificnn.onnx.generate;

/** ONNX tensor element types that generated models use, with their TensorProto.DataType codes. */
public enum OnnxElementType {
    FLOAT(1, 4),
    UINT8(2, 1),
    INT8(3, 1),
    INT32(6, 4),
    INT64(7, 8),
    FLOAT16(10, 2),
    DOUBLE(11, 8);

    private final int code;
    private final int bytesPerElement;

    OnnxElementType(final int code, final int bytesPerElement) {
        this.code = code;
        this.bytesPerElement = bytesPerElement;
    }

    /** The TensorProto.DataType number of this type. */
    public int code() {
        return code;
    }

    public int bytesPerElement() {
        return bytesPerElement;
    }
}

package dev.nificnn.onnx.generate;

import dev.nificnn.onnx.graph.OnnxFieldNumbers;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/** One attribute of an ONNX node (an AttributeProto), already encoded. */
public final class OnnxAttribute {

    private final String name;
    private final byte[] encoded;

    private OnnxAttribute(final String name, final byte[] encoded) {
        this.name = name;
        this.encoded = encoded;
    }

    /** An INT attribute, such as Gemm's transB or Flatten's axis. */
    public static OnnxAttribute of(final String name, final long value) {
        return encode(name, OnnxFieldNumbers.ATTRIBUTE_TYPE_INT, output -> output.writeInt64(OnnxFieldNumbers.ATTRIBUTE_INT, value));
    }

    /** A FLOAT attribute, such as LRN's alpha. */
    public static OnnxAttribute of(final String name, final float value) {
        return encode(name, OnnxFieldNumbers.ATTRIBUTE_TYPE_FLOAT, output -> output.writeFloat(OnnxFieldNumbers.ATTRIBUTE_FLOAT, value));
    }

    /** A STRING attribute, such as auto_pad. */
    public static OnnxAttribute of(final String name, final String value) {
        final byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        return encode(name, OnnxFieldNumbers.ATTRIBUTE_TYPE_STRING, output -> output.writeByteArray(OnnxFieldNumbers.ATTRIBUTE_STRING, bytes));
    }

    /** An INTS attribute, such as kernel_shape, strides or pads. */
    public static OnnxAttribute ofInts(final String name, final long... values) {
        return encode(name, OnnxFieldNumbers.ATTRIBUTE_TYPE_INTS, output -> {
            for (final long value : values) {
                output.writeInt64(OnnxFieldNumbers.ATTRIBUTE_INTS, value);
            }
        });
    }

    /** A FLOATS attribute. */
    public static OnnxAttribute ofFloats(final String name, final float... values) {
        return encode(name, OnnxFieldNumbers.ATTRIBUTE_TYPE_FLOATS, output -> {
            for (final float value : values) {
                output.writeFloat(OnnxFieldNumbers.ATTRIBUTE_FLOATS, value);
            }
        });
    }

    public String name() {
        return name;
    }

    byte[] encoded() {
        return encoded;
    }

    private static OnnxAttribute encode(final String name, final int type, final ProtobufWriting value) {
        Objects.requireNonNull(name, "Attribute name required");
        return new OnnxAttribute(name, ProtobufWriting.encode(output -> {
            output.writeString(OnnxFieldNumbers.ATTRIBUTE_NAME, name);
            value.writeTo(output);
            output.writeInt32(OnnxFieldNumbers.ATTRIBUTE_TYPE, type);
        }));
    }
}

package dev.nificnn.onnx.graph;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The inputs and outputs a model's main graph declares, with element types and shapes, read from the protobuf without
 * creating an ONNX Runtime session (which for a large model takes seconds and memory). Graph inputs that are initializers
 * (IR version 3 models list every weight as an input) are left out: they are not fed by the caller.
 *
 * @param inputs  the inputs a caller feeds, in graph order
 * @param outputs the outputs, in graph order
 */
public record OnnxGraphSignature(List<Value> inputs, List<Value> outputs) {

    /** TensorProto.DataType FLOAT. */
    public static final int ELEMENT_FLOAT = 1;
    /** TensorProto.DataType FLOAT16. */
    public static final int ELEMENT_FLOAT16 = 10;

    /**
     * One declared input or output.
     *
     * @param elementType the TensorProto.DataType number, 0 when the value is not a tensor or declares no type
     * @param shape       the dimensions, -1 for a symbolic or unknown one; null when no shape is declared
     */
    public record Value(String name, int elementType, long[] shape) {

        @Override
        public boolean equals(final Object other) {
            return other instanceof Value that && name.equals(that.name) && elementType == that.elementType && Arrays.equals(shape, that.shape);
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, elementType, Arrays.hashCode(shape));
        }

        @Override
        public String toString() {
            return name + " (type " + elementType + ", shape " + (shape == null ? "undeclared" : Arrays.toString(shape)) + ")";
        }
    }

    /**
     * Reads the signature of a serialised ModelProto.
     *
     * @throws IllegalArgumentException when the bytes are not a readable ONNX model
     */
    public static OnnxGraphSignature read(final byte[] model) {
        Objects.requireNonNull(model, "Model bytes required");
        final List<byte[]> inputs = new ArrayList<>();
        final List<byte[]> outputs = new ArrayList<>();
        final Set<String> initializers = new HashSet<>();
        OnnxInitializers.forEachGraphField(model, (field, start, length) -> {
            switch (field) {
                case OnnxFieldNumbers.GRAPH_INPUT -> inputs.add(Arrays.copyOfRange(model, start, start + length));
                case OnnxFieldNumbers.GRAPH_OUTPUT -> outputs.add(Arrays.copyOfRange(model, start, start + length));
                case OnnxFieldNumbers.GRAPH_INITIALIZER -> initializers.add(initializerName(model, start, length));
                default -> {
                    // Nodes, value infos and the rest say nothing about what a caller feeds or gets.
                }
            }
            return false;
        });
        try {
            final List<Value> fed = new ArrayList<>();
            for (final byte[] valueInfo : inputs) {
                final Value value = readValue(valueInfo);
                if (!initializers.contains(value.name())) {
                    fed.add(value);
                }
            }
            final List<Value> produced = new ArrayList<>();
            for (final byte[] valueInfo : outputs) {
                produced.add(readValue(valueInfo));
            }
            return new OnnxGraphSignature(List.copyOf(fed), List.copyOf(produced));
        } catch (final IOException e) {
            throw new IllegalArgumentException("Not an ONNX model: " + e.getMessage(), e);
        }
    }

    private static String initializerName(final byte[] model, final int start, final int length) throws IOException {
        final CodedInputStream input = CodedInputStream.newInstance(model, start, length);
        input.setSizeLimit(Integer.MAX_VALUE);
        String name = "";
        while (true) {
            final int tag = input.readTag();
            if (tag == 0) {
                return name;
            }
            if (WireFormat.getTagFieldNumber(tag) == OnnxFieldNumbers.TENSOR_NAME && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                name = input.readStringRequireUtf8();
            } else if (!input.skipField(tag)) {
                return name;
            }
        }
    }

    /** ValueInfoProto: name (1), type (2) = TypeProto: tensor_type (1) = elem_type (1), shape (2) = dim (1): dim_value (1) | dim_param (2). */
    private static Value readValue(final byte[] valueInfo) throws IOException {
        String name = "";
        byte[] type = null;
        final CodedInputStream input = CodedInputStream.newInstance(valueInfo);
        for (int tag = input.readTag(); tag != 0; tag = input.readTag()) {
            final int field = WireFormat.getTagFieldNumber(tag);
            if (field == OnnxFieldNumbers.VALUE_INFO_NAME && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                name = input.readStringRequireUtf8();
            } else if (field == OnnxFieldNumbers.VALUE_INFO_TYPE && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                type = input.readByteArray();
            } else if (!input.skipField(tag)) {
                break;
            }
        }
        final byte[] tensorType = type == null ? null : delimited(type, OnnxFieldNumbers.TYPE_TENSOR_TYPE);
        if (tensorType == null) {
            return new Value(name, 0, null);
        }
        int elementType = 0;
        long[] shape = null;
        final CodedInputStream tensor = CodedInputStream.newInstance(tensorType);
        for (int tag = tensor.readTag(); tag != 0; tag = tensor.readTag()) {
            final int field = WireFormat.getTagFieldNumber(tag);
            if (field == OnnxFieldNumbers.TENSOR_TYPE_ELEMENT_TYPE && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_VARINT) {
                elementType = tensor.readInt32();
            } else if (field == OnnxFieldNumbers.TENSOR_TYPE_SHAPE && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                shape = readShape(tensor.readByteArray());
            } else if (!tensor.skipField(tag)) {
                break;
            }
        }
        return new Value(name, elementType, shape);
    }

    private static long[] readShape(final byte[] shapeProto) throws IOException {
        final List<Long> dimensions = new ArrayList<>();
        final CodedInputStream input = CodedInputStream.newInstance(shapeProto);
        for (int tag = input.readTag(); tag != 0; tag = input.readTag()) {
            if (WireFormat.getTagFieldNumber(tag) == OnnxFieldNumbers.SHAPE_DIMENSION && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                long size = -1;
                final CodedInputStream dimension = CodedInputStream.newInstance(input.readByteArray());
                for (int inner = dimension.readTag(); inner != 0; inner = dimension.readTag()) {
                    if (WireFormat.getTagFieldNumber(inner) == OnnxFieldNumbers.DIMENSION_VALUE && WireFormat.getTagWireType(inner) == WireFormat.WIRETYPE_VARINT) {
                        size = dimension.readInt64();
                    } else if (!dimension.skipField(inner)) {
                        break;
                    }
                }
                dimensions.add(size > 0 ? size : -1);
            } else if (!input.skipField(tag)) {
                break;
            }
        }
        return dimensions.stream().mapToLong(Long::longValue).toArray();
    }

    private static byte[] delimited(final byte[] message, final int fieldNumber) throws IOException {
        final CodedInputStream input = CodedInputStream.newInstance(message);
        for (int tag = input.readTag(); tag != 0; tag = input.readTag()) {
            if (WireFormat.getTagFieldNumber(tag) == fieldNumber && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                return input.readByteArray();
            }
            if (!input.skipField(tag)) {
                break;
            }
        }
        return null;
    }
}

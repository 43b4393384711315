package dev.nificnn.onnx.graph;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Reads the initializers (named constants such as weights) of an ONNX model's main graph at wire level. */
public final class OnnxInitializers {

    private static final int FLOAT = 1;

    private OnnxInitializers() {
    }

    /** A float32 initializer: its shape and its values in C order. */
    public record FloatTensor(long[] shape, float[] values) {
    }

    /** Returns the shape of every initializer by name, in the order the graph lists them. */
    public static Map<String, long[]> shapes(final byte[] model) {
        final Map<String, long[]> shapes = new LinkedHashMap<>();
        forEachInitializer(model, (start, length) -> {
            final TensorFields fields = TensorFields.read(model, start, length);
            shapes.put(fields.name(), fields.shape());
            return false;
        });
        return shapes;
    }

    /**
     * Returns the values of a float32 initializer stored as raw_data or float_data.
     *
     * @throws IllegalArgumentException when there is no such initializer or it is not float32 held in the model
     */
    public static FloatTensor readFloats(final byte[] model, final String name) {
        Objects.requireNonNull(name, "Initializer name required");
        final NamedInitializer finder = new NamedInitializer(model, name);
        forEachInitializer(model, finder);
        final TensorFields fields = finder.found;
        if (fields == null) {
            throw new IllegalArgumentException("Model has no initializer named '" + name + "'");
        }
        if (fields.dataType() != FLOAT) {
            throw new IllegalArgumentException("Initializer '" + name + "' has data type " + fields.dataType() + ", not float32 (1)");
        }
        long count = 1;
        for (final long dimension : fields.shape()) {
            // Checked before multiplying: a product that wrapped around could match a short raw_data.
            if (dimension < 0 || dimension > 0 && count > Integer.MAX_VALUE / dimension) {
                throw new IllegalArgumentException("Initializer '" + name + "' declares shape " + Arrays.toString(fields.shape())
                        + ": a negative dimension or more than the " + Integer.MAX_VALUE + " values an initializer read here may hold");
            }
            count *= dimension;
        }
        final float[] values;
        if (fields.rawLength() >= 0) {
            if (fields.rawLength() != count * Float.BYTES) {
                throw new IllegalArgumentException("Initializer '" + name + "' holds " + fields.rawLength() + " bytes for " + count + " floats");
            }
            values = new float[(int) count];
            ByteBuffer.wrap(model, fields.rawStart(), fields.rawLength()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        } else {
            values = fields.floatData();
            if (values.length != count) {
                throw new IllegalArgumentException("Initializer '" + name + "' holds " + values.length + " floats, its shape " + count);
            }
        }
        return new FloatTensor(fields.shape(), values);
    }

    /** Stops at the first initializer of the given name and keeps its fields. */
    private static final class NamedInitializer implements InitializerVisitor {

        private final byte[] model;
        private final String name;
        private TensorFields found;

        NamedInitializer(final byte[] model, final String name) {
            this.model = model;
            this.name = name;
        }

        @Override
        public boolean visit(final int start, final int length) throws IOException {
            final TensorFields fields = TensorFields.read(model, start, length);
            if (fields.name().equals(name)) {
                found = fields;
                return true;
            }
            return false;
        }
    }

    /** Visits initializers until the visitor returns true. */
    private interface InitializerVisitor {
        boolean visit(int start, int length) throws IOException;
    }

    private static void forEachInitializer(final byte[] model, final InitializerVisitor visitor) {
        forEachGraphField(model, (fieldNumber, start, length) -> fieldNumber == OnnxFieldNumbers.GRAPH_INITIALIZER && visitor.visit(start, length));
    }

    /** Visits length-delimited fields of the main GraphProto until the visitor returns true. */
    interface GraphFieldVisitor {
        /** @param start offset of the field's content in the model; {@code length} its size in bytes */
        boolean visit(int fieldNumber, int start, int length) throws IOException;
    }

    /**
     * Walks the length-delimited fields (nodes, initializers, inputs, outputs, value infos) of a model's main graph in order,
     * without copying them; nested subgraphs are not entered.
     *
     * @throws IllegalArgumentException when the bytes are not a readable ONNX model
     */
    static void forEachGraphField(final byte[] model, final GraphFieldVisitor visitor) {
        try {
            final int[] graph = findDelimited(model, 0, model.length, OnnxFieldNumbers.MODEL_GRAPH);
            if (graph == null) {
                throw new IllegalArgumentException("Not an ONNX model: no graph found");
            }
            final CodedInputStream input = CodedInputStream.newInstance(model, graph[0], graph[1]);
            input.setSizeLimit(Integer.MAX_VALUE);
            while (true) {
                final int tag = input.readTag();
                if (tag == 0) {
                    return;
                }
                if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    final int length = input.readRawVarint32();
                    final int start = graph[0] + input.getTotalBytesRead();
                    checkFieldLength(WireFormat.getTagFieldNumber(tag), start, length, graph[0] + graph[1]);
                    if (visitor.visit(WireFormat.getTagFieldNumber(tag), start, length)) {
                        return;
                    }
                    input.skipRawBytes(length);
                } else if (!input.skipField(tag)) {
                    return;
                }
            }
        } catch (final IOException e) {
            throw new IllegalArgumentException("Not an ONNX model: " + e.getMessage(), e);
        }
    }

    /**
     * Refuses a length-delimited field whose declared length is negative or runs past the message holding it, before anything
     * reads or copies that many bytes (a copy past the end would pad with zeros: a few bytes could ask for 2 GB).
     *
     * @param end the offset just past the enclosing message
     */
    static void checkFieldLength(final int fieldNumber, final int start, final int length, final int end) {
        if (length < 0 || length > end - start) {
            throw new IllegalArgumentException("Not an ONNX model: graph field " + fieldNumber + " at byte " + start + " declares "
                    + Integer.toUnsignedString(length) + " bytes but only " + (end - start) + " remain in its graph");
        }
    }

    /** Offset and length of the last length-delimited field with the given number, or null. */
    private static int[] findDelimited(final byte[] bytes, final int offset, final int length, final int fieldNumber) throws IOException {
        final CodedInputStream input = CodedInputStream.newInstance(bytes, offset, length);
        input.setSizeLimit(Integer.MAX_VALUE);
        int[] found = null;
        while (true) {
            final int tag = input.readTag();
            if (tag == 0) {
                return found;
            }
            if (WireFormat.getTagFieldNumber(tag) == fieldNumber && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                final int fieldLength = input.readRawVarint32();
                found = new int[] {offset + input.getTotalBytesRead(), fieldLength};
                input.skipRawBytes(fieldLength);
            } else if (!input.skipField(tag)) {
                return found;
            }
        }
    }

    /** The fields of a TensorProto that matter here; rawLength is -1 when there is no raw_data. */
    private record TensorFields(String name, long[] shape, int dataType, int rawStart, int rawLength, float[] floatData) {

        static TensorFields read(final byte[] model, final int start, final int length) throws IOException {
            final CodedInputStream input = CodedInputStream.newInstance(model, start, length);
            input.setSizeLimit(Integer.MAX_VALUE);
            String name = "";
            final List<Long> dimensions = new ArrayList<>();
            int dataType = 0;
            int rawStart = -1;
            int rawLength = -1;
            final List<Float> floatData = new ArrayList<>();
            while (true) {
                final int tag = input.readTag();
                if (tag == 0) {
                    break;
                }
                final int fieldNumber = WireFormat.getTagFieldNumber(tag);
                final int wireType = WireFormat.getTagWireType(tag);
                if (fieldNumber == OnnxFieldNumbers.TENSOR_DIMS && wireType == WireFormat.WIRETYPE_VARINT) {
                    dimensions.add(input.readInt64());
                } else if (fieldNumber == OnnxFieldNumbers.TENSOR_DIMS && wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    final int limit = input.pushLimit(input.readRawVarint32());
                    while (input.getBytesUntilLimit() > 0) {
                        dimensions.add(input.readInt64());
                    }
                    input.popLimit(limit);
                } else if (fieldNumber == OnnxFieldNumbers.TENSOR_DATA_TYPE && wireType == WireFormat.WIRETYPE_VARINT) {
                    dataType = input.readInt32();
                } else if (fieldNumber == OnnxFieldNumbers.TENSOR_NAME && wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    name = input.readStringRequireUtf8();
                } else if (fieldNumber == OnnxFieldNumbers.TENSOR_RAW_DATA && wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    rawLength = input.readRawVarint32();
                    rawStart = start + input.getTotalBytesRead();
                    input.skipRawBytes(rawLength);
                } else if (fieldNumber == OnnxFieldNumbers.TENSOR_FLOAT_DATA && wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    final int limit = input.pushLimit(input.readRawVarint32());
                    while (input.getBytesUntilLimit() > 0) {
                        floatData.add(input.readFloat());
                    }
                    input.popLimit(limit);
                } else if (fieldNumber == OnnxFieldNumbers.TENSOR_FLOAT_DATA && wireType == WireFormat.WIRETYPE_FIXED32) {
                    floatData.add(input.readFloat());
                } else if (!input.skipField(tag)) {
                    break;
                }
            }
            final long[] shape = new long[dimensions.size()];
            for (int index = 0; index < shape.length; index++) {
                shape[index] = dimensions.get(index);
            }
            final float[] floats = new float[floatData.size()];
            for (int index = 0; index < floats.length; index++) {
                floats[index] = floatData.get(index);
            }
            return new TensorFields(name, shape, dataType, rawStart, rawLength, floats);
        }
    }
}

package dev.nificnn.onnx.generate;

import dev.nificnn.onnx.graph.OnnxFieldNumbers;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Writes ONNX models (a ModelProto) with a hand-written protobuf wire encoding that follows the field numbers of the public
 * ONNX IR specification; no generated ONNX classes are involved.
 * <p>
 * Weights are float32 initializers stored as little-endian {@code raw_data}. Large initializers can be given as a
 * {@link FloatSource} so that they stream from their generator to the file without ever being held in memory whole.
 * A dimension of {@link #BATCH} in a shape becomes the symbolic dimension {@value #BATCH_DIMENSION_NAME}.
 */
public final class OnnxModelBuilder {

    /** Dimension value that stands for the dynamic batch dimension. */
    public static final long BATCH = -1;
    /** Name of the symbolic (dynamic) batch dimension. */
    public static final String BATCH_DIMENSION_NAME = "N";

    private static final int CHUNK_FLOATS = 1 << 16;
    private static final int MAXIMUM_MODEL_BYTES = Integer.MAX_VALUE - 8;

    private final String graphName;
    private long irVersion = 7;
    private int opsetVersion = 13;
    private String producerName = "nifi-cnn";
    private final List<byte[]> nodes = new ArrayList<>();
    private final List<byte[]> inputs = new ArrayList<>();
    private final List<byte[]> outputs = new ArrayList<>();
    private final List<Initializer> initializers = new ArrayList<>();

    /** Starts a model whose graph has the given name; opset 13 of the default domain, IR version 7. */
    public OnnxModelBuilder(final String graphName) {
        this.graphName = Objects.requireNonNull(graphName, "Graph name required");
    }

    /** Sets the version of the default ONNX operator set (13 unless set). */
    public OnnxModelBuilder opsetVersion(final int version) {
        this.opsetVersion = version;
        return this;
    }

    /** Sets the IR version written in the model (7 unless set: the IR of ONNX 1.8, the release of opset 13). */
    public OnnxModelBuilder irVersion(final long version) {
        this.irVersion = version;
        return this;
    }

    public OnnxModelBuilder producerName(final String name) {
        this.producerName = Objects.requireNonNull(name);
        return this;
    }

    /** Declares a graph input; {@link #BATCH} in the shape marks the dynamic batch dimension. */
    public OnnxModelBuilder input(final String name, final OnnxElementType elementType, final long... shape) {
        inputs.add(encodeValueInfo(name, elementType, shape));
        return this;
    }

    /** Declares a graph output; {@link #BATCH} in the shape marks the dynamic batch dimension. */
    public OnnxModelBuilder output(final String name, final OnnxElementType elementType, final long... shape) {
        outputs.add(encodeValueInfo(name, elementType, shape));
        return this;
    }

    /** Adds a float32 initializer (a named constant, such as a weight) with the given values in C order. */
    public OnnxModelBuilder initializer(final String name, final float[] values, final long... shape) {
        final float[] copy = values.clone();
        final long count = elementCount(shape);
        if (count != copy.length) {
            throw new IllegalArgumentException("Initializer '" + name + "' has " + copy.length + " values but its shape "
                    + Arrays.toString(shape) + " holds " + count);
        }
        return initializer(name, () -> new ArrayFloatSource(copy), shape);
    }

    /**
     * Adds a float32 initializer whose values a fresh {@link FloatSource} from the factory produces in C order at every write:
     * the values stream to the output and are never held whole.
     */
    public OnnxModelBuilder initializer(final String name, final Supplier<FloatSource> values, final long... shape) {
        Objects.requireNonNull(values, "Initializer values required");
        for (final long dimension : shape) {
            if (dimension < 0) {
                throw new IllegalArgumentException("Initializer '" + name + "' needs a fixed shape, not " + Arrays.toString(shape));
            }
        }
        final long rawLength = elementCount(shape) * Float.BYTES;
        if (rawLength > MAXIMUM_MODEL_BYTES) {
            throw new IllegalArgumentException("Initializer '" + name + "' exceeds 2 GB");
        }
        final byte[] header = ProtobufWriting.encode(output -> {
            for (final long dimension : shape) {
                output.writeInt64(OnnxFieldNumbers.TENSOR_DIMS, dimension);
            }
            output.writeInt32(OnnxFieldNumbers.TENSOR_DATA_TYPE, OnnxElementType.FLOAT.code());
            output.writeString(OnnxFieldNumbers.TENSOR_NAME, name);
            output.writeTag(OnnxFieldNumbers.TENSOR_RAW_DATA, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            output.writeUInt32NoTag((int) rawLength);
        });
        initializers.add(new Initializer(name, header, rawLength, values));
        return this;
    }

    /** Adds a node of any operator of the default domain; its name is its first output's name. */
    public OnnxModelBuilder node(final String operatorType, final List<String> nodeInputs, final List<String> nodeOutputs,
                                 final OnnxAttribute... attributes) {
        Objects.requireNonNull(operatorType, "Operator type required");
        if (nodeOutputs.isEmpty()) {
            throw new IllegalArgumentException("A " + operatorType + " node needs at least one output");
        }
        nodes.add(ProtobufWriting.encode(output -> {
            for (final String input : nodeInputs) {
                output.writeString(OnnxFieldNumbers.NODE_INPUT, input);
            }
            for (final String nodeOutput : nodeOutputs) {
                output.writeString(OnnxFieldNumbers.NODE_OUTPUT, nodeOutput);
            }
            output.writeString(OnnxFieldNumbers.NODE_NAME, nodeOutputs.getFirst());
            output.writeString(OnnxFieldNumbers.NODE_OP_TYPE, operatorType);
            for (final OnnxAttribute attribute : attributes) {
                output.writeByteArray(OnnxFieldNumbers.NODE_ATTRIBUTE, attribute.encoded());
            }
        }));
        return this;
    }

    /** A square 2-D convolution; bias may be null. */
    public OnnxModelBuilder conv(final String input, final String weight, final String bias, final String output,
                                 final int kernel, final int stride, final int padding) {
        final List<String> convInputs = bias == null ? List.of(input, weight) : List.of(input, weight, bias);
        return node("Conv", convInputs, List.of(output), OnnxAttribute.ofInts("kernel_shape", kernel, kernel),
                OnnxAttribute.ofInts("strides", stride, stride), OnnxAttribute.ofInts("pads", padding, padding, padding, padding));
    }

    public OnnxModelBuilder relu(final String input, final String output) {
        return node("Relu", List.of(input), List.of(output));
    }

    /** Square max pooling. */
    public OnnxModelBuilder maxPool(final String input, final String output, final int kernel, final int stride, final int padding) {
        return node("MaxPool", List.of(input), List.of(output), OnnxAttribute.ofInts("kernel_shape", kernel, kernel),
                OnnxAttribute.ofInts("strides", stride, stride), OnnxAttribute.ofInts("pads", padding, padding, padding, padding));
    }

    /** Square average pooling; padding is excluded from the average (ONNX's default count_include_pad = 0). */
    public OnnxModelBuilder averagePool(final String input, final String output, final int kernel, final int stride, final int padding) {
        return node("AveragePool", List.of(input), List.of(output), OnnxAttribute.ofInts("kernel_shape", kernel, kernel),
                OnnxAttribute.ofInts("strides", stride, stride), OnnxAttribute.ofInts("pads", padding, padding, padding, padding));
    }

    public OnnxModelBuilder globalAveragePool(final String input, final String output) {
        return node("GlobalAveragePool", List.of(input), List.of(output));
    }

    /** Y = A * B' + C when transposeB (B laid out [out, in] as in torch.nn.Linear), else A * B + C; C may be null. */
    public OnnxModelBuilder gemm(final String a, final String b, final String c, final String output, final boolean transposeB) {
        final List<String> gemmInputs = c == null ? List.of(a, b) : List.of(a, b, c);
        return node("Gemm", gemmInputs, List.of(output), OnnxAttribute.of("transB", transposeB ? 1L : 0L));
    }

    public OnnxModelBuilder matMul(final String a, final String b, final String output) {
        return node("MatMul", List.of(a, b), List.of(output));
    }

    public OnnxModelBuilder add(final String a, final String b, final String output) {
        return node("Add", List.of(a, b), List.of(output));
    }

    public OnnxModelBuilder flatten(final String input, final String output, final int axis) {
        return node("Flatten", List.of(input), List.of(output), OnnxAttribute.of("axis", (long) axis));
    }

    public OnnxModelBuilder softmax(final String input, final String output, final int axis) {
        return node("Softmax", List.of(input), List.of(output), OnnxAttribute.of("axis", (long) axis));
    }

    /** Local response normalisation across channels, as in the original AlexNet and CaffeNet. */
    public OnnxModelBuilder lrn(final String input, final String output, final int size, final float alpha, final float beta,
                                final float bias) {
        return node("LRN", List.of(input), List.of(output), OnnxAttribute.of("size", (long) size), OnnxAttribute.of("alpha", alpha),
                OnnxAttribute.of("beta", beta), OnnxAttribute.of("bias", bias));
    }

    /** Dropout, an identity at inference. */
    public OnnxModelBuilder dropout(final String input, final String output) {
        return node("Dropout", List.of(input), List.of(output));
    }

    public OnnxModelBuilder cast(final String input, final String output, final OnnxElementType to) {
        return node("Cast", List.of(input), List.of(output), OnnxAttribute.of("to", (long) to.code()));
    }

    /** The encoded model. */
    public byte[] toByteArray() {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream((int) Math.min(serializedSize(), MAXIMUM_MODEL_BYTES));
        try {
            writeTo(bytes);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Writes the model to a file, replacing it. */
    public void writeTo(final Path file) throws IOException {
        try (OutputStream output = Files.newOutputStream(file)) {
            writeTo(output);
        }
    }

    /** Streams the encoded model; initializer values are produced chunk by chunk as they are written. */
    public void writeTo(final OutputStream stream) throws IOException {
        final long graphLength = graphLength();
        if (serializedSize() > MAXIMUM_MODEL_BYTES) {
            throw new IllegalStateException("Model exceeds 2 GB, the limit of a protobuf message without external data");
        }
        final CodedOutputStream output = CodedOutputStream.newInstance(stream, 1 << 16);
        output.writeInt64(OnnxFieldNumbers.MODEL_IR_VERSION, irVersion);
        output.writeString(OnnxFieldNumbers.MODEL_PRODUCER_NAME, producerName);
        output.writeTag(OnnxFieldNumbers.MODEL_GRAPH, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        output.writeUInt32NoTag((int) graphLength);
        writeGraph(output);
        output.writeByteArray(OnnxFieldNumbers.MODEL_OPSET_IMPORT, opsetImport());
        output.flush();
    }

    /** Size in bytes of the encoded model. */
    public long serializedSize() {
        final long graphLength = graphLength();
        return CodedOutputStream.computeInt64Size(OnnxFieldNumbers.MODEL_IR_VERSION, irVersion)
                + CodedOutputStream.computeStringSize(OnnxFieldNumbers.MODEL_PRODUCER_NAME, producerName)
                + CodedOutputStream.computeTagSize(OnnxFieldNumbers.MODEL_GRAPH) + CodedOutputStream.computeUInt64SizeNoTag(graphLength)
                + graphLength
                + CodedOutputStream.computeByteArraySize(OnnxFieldNumbers.MODEL_OPSET_IMPORT, opsetImport());
    }

    private void writeGraph(final CodedOutputStream output) throws IOException {
        for (final byte[] node : nodes) {
            output.writeByteArray(OnnxFieldNumbers.GRAPH_NODE, node);
        }
        output.writeString(OnnxFieldNumbers.GRAPH_NAME, graphName);
        final float[] chunk = new float[CHUNK_FLOATS];
        final ByteBuffer chunkBytes = ByteBuffer.allocate(CHUNK_FLOATS * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (final Initializer initializer : initializers) {
            output.writeTag(OnnxFieldNumbers.GRAPH_INITIALIZER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            output.writeUInt32NoTag((int) initializer.tensorLength());
            output.writeRawBytes(initializer.header());
            final FloatSource source = initializer.values().get();
            long remaining = initializer.rawLength() / Float.BYTES;
            while (remaining > 0) {
                final int count = (int) Math.min(remaining, CHUNK_FLOATS);
                source.fill(chunk, count);
                chunkBytes.clear();
                chunkBytes.asFloatBuffer().put(chunk, 0, count);
                output.writeRawBytes(chunkBytes.array(), 0, count * Float.BYTES);
                remaining -= count;
            }
        }
        for (final byte[] input : inputs) {
            output.writeByteArray(OnnxFieldNumbers.GRAPH_INPUT, input);
        }
        for (final byte[] graphOutput : outputs) {
            output.writeByteArray(OnnxFieldNumbers.GRAPH_OUTPUT, graphOutput);
        }
    }

    private long graphLength() {
        long length = CodedOutputStream.computeStringSize(OnnxFieldNumbers.GRAPH_NAME, graphName);
        for (final byte[] node : nodes) {
            length += CodedOutputStream.computeByteArraySize(OnnxFieldNumbers.GRAPH_NODE, node);
        }
        for (final Initializer initializer : initializers) {
            length += CodedOutputStream.computeTagSize(OnnxFieldNumbers.GRAPH_INITIALIZER)
                    + CodedOutputStream.computeUInt64SizeNoTag(initializer.tensorLength()) + initializer.tensorLength();
        }
        for (final byte[] input : inputs) {
            length += CodedOutputStream.computeByteArraySize(OnnxFieldNumbers.GRAPH_INPUT, input);
        }
        for (final byte[] output : outputs) {
            length += CodedOutputStream.computeByteArraySize(OnnxFieldNumbers.GRAPH_OUTPUT, output);
        }
        return length;
    }

    private byte[] opsetImport() {
        return ProtobufWriting.encode(output -> {
            output.writeString(OnnxFieldNumbers.OPERATOR_SET_DOMAIN, "");
            output.writeInt64(OnnxFieldNumbers.OPERATOR_SET_VERSION, opsetVersion);
        });
    }

    private static byte[] encodeValueInfo(final String name, final OnnxElementType elementType, final long... shape) {
        Objects.requireNonNull(name, "Value name required");
        final byte[] shapeProto = ProtobufWriting.encode(output -> {
            for (final long dimension : shape) {
                final byte[] dimensionProto = ProtobufWriting.encode(dimensionOutput -> {
                    if (dimension < 0) {
                        dimensionOutput.writeString(OnnxFieldNumbers.DIMENSION_PARAMETER, BATCH_DIMENSION_NAME);
                    } else {
                        dimensionOutput.writeInt64(OnnxFieldNumbers.DIMENSION_VALUE, dimension);
                    }
                });
                output.writeByteArray(OnnxFieldNumbers.SHAPE_DIMENSION, dimensionProto);
            }
        });
        final byte[] tensorType = ProtobufWriting.encode(output -> {
            output.writeInt32(OnnxFieldNumbers.TENSOR_TYPE_ELEMENT_TYPE, elementType.code());
            output.writeByteArray(OnnxFieldNumbers.TENSOR_TYPE_SHAPE, shapeProto);
        });
        final byte[] type = ProtobufWriting.encode(output -> output.writeByteArray(OnnxFieldNumbers.TYPE_TENSOR_TYPE, tensorType));
        return ProtobufWriting.encode(output -> {
            output.writeString(OnnxFieldNumbers.VALUE_INFO_NAME, name);
            output.writeByteArray(OnnxFieldNumbers.VALUE_INFO_TYPE, type);
        });
    }

    private static long elementCount(final long... shape) {
        long count = 1;
        for (final long dimension : shape) {
            count = Math.multiplyExact(count, dimension);
        }
        return count;
    }

    private record Initializer(String name, byte[] header, long rawLength, Supplier<FloatSource> values) {

        long tensorLength() {
            return header.length + rawLength;
        }
    }

    /** Values of a small initializer held in an array. */
    private static final class ArrayFloatSource implements FloatSource {

        private final float[] values;
        private int position;

        ArrayFloatSource(final float[] values) {
            this.values = values;
        }

        @Override
        public void fill(final float[] destination, final int count) {
            System.arraycopy(values, position, destination, 0, count);
            position += count;
        }
    }
}

package dev.nificnn.onnx.graph;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Makes intermediate tensors of an ONNX model readable by adding them to the graph outputs, editing the protobuf at wire level.
 * <p>
 * ONNX Runtime only returns graph outputs, so reading a layer such as AlexNet's {@code fc7} needs the model rewritten before
 * the session is created. Only {@code ModelProto.graph.output} changes: every other byte of the model (weights, opsets,
 * IR version, metadata, graph inputs that list initializers in IR 3 models) is copied through untouched. A new output
 * takes its type from the graph's {@code value_info} when the model declares one; otherwise it carries only its name and
 * ONNX Runtime infers its type and shape.
 */
public final class OnnxGraphTaps {

    private OnnxGraphTaps() {
    }

    /**
     * Returns a copy of the model whose graph outputs also include the given intermediate tensors, after the existing outputs
     * and in the order given. Names that already are graph outputs are kept once.
     *
     * @throws IllegalArgumentException when a name is not produced by any node of the main graph, when the model is not a
     *                                  readable ONNX model, or when it keeps tensors in external data files
     */
    public static byte[] addOutputs(final byte[] model, final List<String> tensorNames) {
        Objects.requireNonNull(model, "Model bytes required");
        Objects.requireNonNull(tensorNames, "Tensor names required");
        final ModelLayout layout = ModelLayout.read(model);
        final GraphSummary graph = GraphSummary.read(model, layout.graphStart(), layout.graphLength());
        graph.rejectExternalData();

        final Set<String> newOutputs = new LinkedHashSet<>();
        for (final String tensorName : tensorNames) {
            if (tensorName == null || tensorName.isBlank()) {
                throw new IllegalArgumentException("Tensor name must not be blank");
            }
            if (!graph.nodeOutputs().contains(tensorName)) {
                final String detail = graph.initializerNames().contains(tensorName) || graph.inputNames().contains(tensorName)
                        ? " (it is a graph input or initializer, not a computed tensor)" : "";
                throw new IllegalArgumentException("Tensor '" + tensorName + "' is not produced by any node of the graph" + detail);
            }
            if (!graph.outputNames().contains(tensorName)) {
                newOutputs.add(tensorName);
            }
        }

        final List<byte[]> encodedOutputs = new ArrayList<>();
        int appendedLength = 0;
        for (final String tensorName : newOutputs) {
            final byte[] valueInfo = graph.valueInfos().containsKey(tensorName)
                    ? graph.valueInfos().get(tensorName) : encodeNameOnlyValueInfo(tensorName);
            encodedOutputs.add(valueInfo);
            appendedLength += CodedOutputStream.computeTagSize(OnnxFieldNumbers.GRAPH_OUTPUT)
                    + CodedOutputStream.computeUInt32SizeNoTag(valueInfo.length) + valueInfo.length;
        }

        final long newGraphLength = (long) layout.graphLength() + appendedLength;
        final int graphEnd = layout.graphStart() + layout.graphLength();
        final long resultLength = layout.graphFieldStart()
                + CodedOutputStream.computeTagSize(OnnxFieldNumbers.MODEL_GRAPH)
                + CodedOutputStream.computeUInt64SizeNoTag(newGraphLength)
                + newGraphLength
                + (model.length - graphEnd);
        if (resultLength > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("Model with taps would exceed 2 GB, the limit of a protobuf message");
        }
        final byte[] result = new byte[(int) resultLength];
        final CodedOutputStream output = CodedOutputStream.newInstance(result);
        try {
            output.writeRawBytes(model, 0, layout.graphFieldStart());
            output.writeTag(OnnxFieldNumbers.MODEL_GRAPH, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            output.writeUInt32NoTag((int) newGraphLength);
            output.writeRawBytes(model, layout.graphStart(), layout.graphLength());
            for (final byte[] valueInfo : encodedOutputs) {
                output.writeByteArray(OnnxFieldNumbers.GRAPH_OUTPUT, valueInfo);
            }
            output.writeRawBytes(model, graphEnd, model.length - graphEnd);
            output.checkNoSpaceLeft();
        } catch (final IOException e) {
            throw new UncheckedIOException("Writing the model with taps failed", e);
        }
        return result;
    }

    /**
     * Returns the names of the tensors that nodes of the main graph compute and that are not graph outputs yet, in node order:
     * the names {@link #addOutputs(byte[], List)} accepts as new taps.
     */
    public static List<String> intermediateTensorNames(final byte[] model) {
        Objects.requireNonNull(model, "Model bytes required");
        final ModelLayout layout = ModelLayout.read(model);
        final GraphSummary graph = GraphSummary.read(model, layout.graphStart(), layout.graphLength());
        final List<String> names = new ArrayList<>();
        for (final String name : graph.nodeOutputs()) {
            if (!graph.outputNames().contains(name)) {
                names.add(name);
            }
        }
        return List.copyOf(names);
    }

    private static byte[] encodeNameOnlyValueInfo(final String tensorName) {
        final byte[] name = tensorName.getBytes(StandardCharsets.UTF_8);
        final byte[] encoded = new byte[CodedOutputStream.computeByteArraySize(OnnxFieldNumbers.VALUE_INFO_NAME, name)];
        final CodedOutputStream output = CodedOutputStream.newInstance(encoded);
        try {
            output.writeByteArray(OnnxFieldNumbers.VALUE_INFO_NAME, name);
            output.checkNoSpaceLeft();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        return encoded;
    }

    /** Where the single graph field of a ModelProto lies: its tag's offset and its content's offset and length. */
    private record ModelLayout(int graphFieldStart, int graphStart, int graphLength) {

        static ModelLayout read(final byte[] model) {
            final CodedInputStream input = CodedInputStream.newInstance(model);
            input.setSizeLimit(Integer.MAX_VALUE);
            ModelLayout layout = null;
            try {
                while (true) {
                    final int fieldStart = input.getTotalBytesRead();
                    final int tag = input.readTag();
                    if (tag == 0) {
                        break;
                    }
                    if (WireFormat.getTagFieldNumber(tag) == OnnxFieldNumbers.MODEL_GRAPH
                            && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                        if (layout != null) {
                            throw new IllegalArgumentException("Model holds more than one graph field; such a model is not supported");
                        }
                        final int length = input.readRawVarint32();
                        final int start = input.getTotalBytesRead();
                        if (length < 0 || start + (long) length > model.length) {
                            throw new IllegalArgumentException("Not an ONNX model: the graph field runs past the end of the data");
                        }
                        input.skipRawBytes(length);
                        layout = new ModelLayout(fieldStart, start, length);
                    } else if (!input.skipField(tag)) {
                        break;
                    }
                }
            } catch (final IOException e) {
                throw new IllegalArgumentException("Not an ONNX model: " + e.getMessage(), e);
            }
            if (layout == null) {
                throw new IllegalArgumentException("Not an ONNX model: no graph found");
            }
            return layout;
        }
    }

    /** What the tap edit needs to know about a GraphProto; nested subgraphs are not entered. */
    private record GraphSummary(Set<String> nodeOutputs, Set<String> outputNames, Set<String> inputNames, Set<String> initializerNames,
                                Map<String, byte[]> valueInfos, List<String> externalTensors) {

        static GraphSummary read(final byte[] model, final int start, final int length) {
            final GraphSummary summary = new GraphSummary(new LinkedHashSet<>(), new LinkedHashSet<>(), new LinkedHashSet<>(),
                    new LinkedHashSet<>(), new HashMap<>(), new ArrayList<>());
            final CodedInputStream input = CodedInputStream.newInstance(model, start, length);
            input.setSizeLimit(Integer.MAX_VALUE);
            try {
                while (true) {
                    final int tag = input.readTag();
                    if (tag == 0) {
                        break;
                    }
                    final int fieldNumber = WireFormat.getTagFieldNumber(tag);
                    final boolean delimited = WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
                    if (delimited && fieldNumber == OnnxFieldNumbers.GRAPH_NODE) {
                        final int fieldLength = input.readRawVarint32();
                        final int fieldStart = start + input.getTotalBytesRead();
                        OnnxInitializers.checkFieldLength(fieldNumber, fieldStart, fieldLength, start + length);
                        readNodeOutputs(model, fieldStart, fieldLength, summary.nodeOutputs());
                        input.skipRawBytes(fieldLength);
                    } else if (delimited && (fieldNumber == OnnxFieldNumbers.GRAPH_OUTPUT || fieldNumber == OnnxFieldNumbers.GRAPH_INPUT
                            || fieldNumber == OnnxFieldNumbers.GRAPH_VALUE_INFO)) {
                        final byte[] valueInfo = input.readByteArray();
                        final String name = readValueInfoName(valueInfo);
                        if (fieldNumber == OnnxFieldNumbers.GRAPH_OUTPUT) {
                            summary.outputNames().add(name);
                        } else if (fieldNumber == OnnxFieldNumbers.GRAPH_INPUT) {
                            summary.inputNames().add(name);
                        } else {
                            summary.valueInfos().put(name, valueInfo);
                        }
                    } else if (delimited && fieldNumber == OnnxFieldNumbers.GRAPH_INITIALIZER) {
                        final int fieldLength = input.readRawVarint32();
                        final int fieldStart = start + input.getTotalBytesRead();
                        OnnxInitializers.checkFieldLength(fieldNumber, fieldStart, fieldLength, start + length);
                        readInitializer(model, fieldStart, fieldLength, summary);
                        input.skipRawBytes(fieldLength);
                    } else if (!input.skipField(tag)) {
                        break;
                    }
                }
            } catch (final IOException e) {
                throw new IllegalArgumentException("Not an ONNX model: the graph is malformed: " + e.getMessage(), e);
            }
            return summary;
        }

        void rejectExternalData() {
            if (!externalTensors.isEmpty()) {
                throw new IllegalArgumentException("Model keeps " + externalTensors.size() + " tensor(s) in external data files (first: '"
                        + externalTensors.getFirst() + "'); taps need a model with its weights embedded in the .onnx file"
                        + " (save it with onnx.save_model(model, path, save_as_external_data=False))");
            }
        }

        private static void readNodeOutputs(final byte[] model, final int start, final int length, final Set<String> nodeOutputs)
                throws IOException {
            final CodedInputStream input = CodedInputStream.newInstance(model, start, length);
            while (true) {
                final int tag = input.readTag();
                if (tag == 0) {
                    return;
                }
                if (WireFormat.getTagFieldNumber(tag) == OnnxFieldNumbers.NODE_OUTPUT
                        && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    final String output = input.readStringRequireUtf8();
                    // An empty name marks an optional output the node does not produce.
                    if (!output.isEmpty()) {
                        nodeOutputs.add(output);
                    }
                } else if (!input.skipField(tag)) {
                    return;
                }
            }
        }

        private static void readInitializer(final byte[] model, final int start, final int length, final GraphSummary summary)
                throws IOException {
            final CodedInputStream input = CodedInputStream.newInstance(model, start, length);
            input.setSizeLimit(Integer.MAX_VALUE);
            String name = "";
            boolean external = false;
            while (true) {
                final int tag = input.readTag();
                if (tag == 0) {
                    break;
                }
                final int fieldNumber = WireFormat.getTagFieldNumber(tag);
                if (fieldNumber == OnnxFieldNumbers.TENSOR_NAME && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    name = input.readStringRequireUtf8();
                } else if (fieldNumber == OnnxFieldNumbers.TENSOR_DATA_LOCATION && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_VARINT) {
                    external |= input.readEnum() == OnnxFieldNumbers.TENSOR_DATA_LOCATION_EXTERNAL;
                } else if (fieldNumber == OnnxFieldNumbers.TENSOR_EXTERNAL_DATA) {
                    external = true;
                    input.skipField(tag);
                } else if (!input.skipField(tag)) {
                    break;
                }
            }
            summary.initializerNames().add(name);
            if (external) {
                summary.externalTensors().add(name);
            }
        }

        private static String readValueInfoName(final byte[] valueInfo) throws IOException {
            final CodedInputStream input = CodedInputStream.newInstance(valueInfo);
            while (true) {
                final int tag = input.readTag();
                if (tag == 0) {
                    return "";
                }
                if (WireFormat.getTagFieldNumber(tag) == OnnxFieldNumbers.VALUE_INFO_NAME
                        && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    return input.readStringRequireUtf8();
                }
                if (!input.skipField(tag)) {
                    return "";
                }
            }
        }
    }
}

package dev.nificnn.onnx.graph;

/**
 * Field numbers of the ONNX protobuf messages that nifi-cnn reads and writes, taken from the public ONNX IR specification.
 */
public final class OnnxFieldNumbers {

    public static final int MODEL_IR_VERSION = 1;
    public static final int MODEL_PRODUCER_NAME = 2;
    public static final int MODEL_PRODUCER_VERSION = 3;
    public static final int MODEL_DOC_STRING = 6;
    public static final int MODEL_GRAPH = 7;
    public static final int MODEL_OPSET_IMPORT = 8;

    public static final int OPERATOR_SET_DOMAIN = 1;
    public static final int OPERATOR_SET_VERSION = 2;

    public static final int GRAPH_NODE = 1;
    public static final int GRAPH_NAME = 2;
    public static final int GRAPH_INITIALIZER = 5;
    public static final int GRAPH_INPUT = 11;
    public static final int GRAPH_OUTPUT = 12;
    public static final int GRAPH_VALUE_INFO = 13;

    public static final int NODE_INPUT = 1;
    public static final int NODE_OUTPUT = 2;
    public static final int NODE_NAME = 3;
    public static final int NODE_OP_TYPE = 4;
    public static final int NODE_ATTRIBUTE = 5;

    public static final int ATTRIBUTE_NAME = 1;
    public static final int ATTRIBUTE_FLOAT = 2;
    public static final int ATTRIBUTE_INT = 3;
    public static final int ATTRIBUTE_STRING = 4;
    public static final int ATTRIBUTE_FLOATS = 7;
    public static final int ATTRIBUTE_INTS = 8;
    public static final int ATTRIBUTE_TYPE = 20;

    public static final int ATTRIBUTE_TYPE_FLOAT = 1;
    public static final int ATTRIBUTE_TYPE_INT = 2;
    public static final int ATTRIBUTE_TYPE_STRING = 3;
    public static final int ATTRIBUTE_TYPE_FLOATS = 6;
    public static final int ATTRIBUTE_TYPE_INTS = 7;

    public static final int TENSOR_DIMS = 1;
    public static final int TENSOR_DATA_TYPE = 2;
    public static final int TENSOR_FLOAT_DATA = 4;
    public static final int TENSOR_NAME = 8;
    public static final int TENSOR_RAW_DATA = 9;
    public static final int TENSOR_EXTERNAL_DATA = 13;
    public static final int TENSOR_DATA_LOCATION = 14;
    public static final int TENSOR_DATA_LOCATION_EXTERNAL = 1;

    public static final int VALUE_INFO_NAME = 1;
    public static final int VALUE_INFO_TYPE = 2;

    public static final int TYPE_TENSOR_TYPE = 1;
    public static final int TENSOR_TYPE_ELEMENT_TYPE = 1;
    public static final int TENSOR_TYPE_SHAPE = 2;
    public static final int SHAPE_DIMENSION = 1;
    public static final int DIMENSION_VALUE = 1;
    public static final int DIMENSION_PARAMETER = 2;

    private OnnxFieldNumbers() {
    }
}

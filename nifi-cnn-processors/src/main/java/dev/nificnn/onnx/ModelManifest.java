package dev.nificnn.onnx;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nificnn.image.ChannelOrder;
import dev.nificnn.image.Interpolation;
import dev.nificnn.image.NormalisationValues;
import dev.nificnn.image.ResizeMode;
import dev.nificnn.image.TensorLayout;
import dev.nificnn.image.TensorSpec;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * A model manifest: everything a processor needs to know about an ONNX model (file, checksum, input preprocessing,
 * output, labels and named layer taps), read from the JSON format described in the project's models/ folder.
 *
 * @param location    the manifest file (files named in it are resolved against its folder unless told otherwise)
 * @param name        short model name, the first part of the model id
 * @param description free text, may be empty
 * @param file        model file name, relative to the model directory
 * @param sha256      expected lowercase hex SHA-256 of the model file, or null when the manifest does not pin one
 * @param size        expected size in bytes, or -1 when not given
 * @param url         where the model can be downloaded, may be null
 * @param licence     the model's licence, may be null
 * @param input       the image input and its preprocessing
 * @param output      the class output
 * @param labels      label file name (one class name a line), or null
 * @param taps        named intermediate tensors, in manifest order
 */
public record ModelManifest(Path location, String name, String description, String file, String sha256, long size,
                            String url, String licence, Input input, Output output, String labels, Map<String, Tap> taps) {

    /** The most bytes a manifest may hold: the manifests in models/ take about 1 KB. */
    static final long MAXIMUM_BYTES = 1024 * 1024;
    /** The deepest JSON nesting a manifest may have: its own deepest value (taps, a tap, its shape) is at depth 3. */
    static final int MAXIMUM_NESTING_DEPTH = 16;

    private static final ObjectMapper OBJECT_MAPPER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAXIMUM_NESTING_DEPTH).build())
            .build());

    /**
     * The image input of a model and how images are turned into it.
     *
     * @param name        the graph input's name
     * @param elementType float32 or float16
     * @param tensorSpec  size, layout and preprocessing of one image (its layout is the input's without the batch dimension)
     */
    public record Input(String name, InputElementType elementType, TensorSpec tensorSpec) {

        /** Number of values one image occupies in the input tensor. */
        public int valuesPerImage() {
            return tensorSpec.elementCount();
        }

        /** Width in pixels the model takes. */
        public int width() {
            return tensorSpec.width();
        }

        /** Height in pixels the model takes. */
        public int height() {
            return tensorSpec.height();
        }

        /** Axis order of one image in the input: CHW for an NCHW model, HWC for an NHWC one. */
        public TensorLayout layout() {
            return tensorSpec.layout();
        }

        /** Shape of one image without the batch dimension, in the model's layout. */
        public long[] imageShape() {
            return Arrays.stream(tensorSpec.shape()).asLongStream().toArray();
        }

        @Override
        public String toString() {
            return "Input[" + name + " " + elementType.manifestName() + " N" + tensorSpec.layout() + " " + tensorSpec.width() + "x" + tensorSpec.height()
                    + " " + tensorSpec.channelOrder() + " scale " + tensorSpec.scale() + " mean " + Arrays.toString(tensorSpec.mean())
                    + " std " + Arrays.toString(tensorSpec.std()) + " " + tensorSpec.resizeMode()
                    + (tensorSpec.shorterSide() > 0 ? " shorter side " + tensorSpec.shorterSide() : "") + " " + tensorSpec.interpolation() + "]";
        }
    }

    /** The output a classifier reads. */
    public record Output(String name, OutputKind kind) {
    }

    /**
     * A named intermediate tensor.
     *
     * @param shape expected shape with -1 for dynamic dimensions, or null when the manifest does not say
     */
    public record Tap(String tensor, long[] shape) {

        @Override
        public boolean equals(final Object other) {
            return other instanceof Tap that && tensor.equals(that.tensor) && Arrays.equals(shape, that.shape);
        }

        @Override
        public int hashCode() {
            return 31 * tensor.hashCode() + Arrays.hashCode(shape);
        }

        @Override
        public String toString() {
            return "Tap[" + tensor + (shape == null ? "" : " " + Arrays.toString(shape)) + "]";
        }
    }

    /** Reads and validates a manifest file. */
    public static ModelManifest read(final Path manifestFile) throws ModelManifestException {
        final byte[] content;
        try {
            content = BoundedFile.read(manifestFile, "Model manifest", MAXIMUM_BYTES, "a manifest may hold");
        } catch (final NoSuchFileException e) {
            throw new ModelManifestException("Model manifest " + manifestFile + " does not exist");
        } catch (final BoundedFile.FileLimitException e) {
            throw new ModelManifestException(e.getMessage(), e);
        } catch (final IOException e) {
            throw new ModelManifestException("Model manifest " + manifestFile + " cannot be read: " + e.getMessage(), e);
        }
        return parse(content, manifestFile.toAbsolutePath());
    }

    /** Parses manifest JSON; {@code location} names the file in messages and anchors relative file names. */
    public static ModelManifest parse(final byte[] json, final Path location) throws ModelManifestException {
        if (json.length > MAXIMUM_BYTES) {
            throw new ModelManifestException("Model manifest " + location + " has " + json.length + " bytes, more than the " + MAXIMUM_BYTES
                    + " bytes a manifest may hold; it is not read");
        }
        final JsonNode root;
        try {
            root = OBJECT_MAPPER.readTree(json);
        } catch (final StreamConstraintsException e) {
            throw new ModelManifestException("Model manifest " + location + " is refused by a JSON reading limit (nesting at most "
                    + MAXIMUM_NESTING_DEPTH + " levels deep, numbers at most " + StreamReadConstraints.DEFAULT_MAX_NUM_LEN + " digits): "
                    + e.getOriginalMessage(), e);
        } catch (final JsonProcessingException e) {
            throw new ModelManifestException("Model manifest " + location + " is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (final IOException e) {
            throw new ModelManifestException("Model manifest " + location + " cannot be read: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelManifestException("Model manifest " + location + " must hold a JSON object");
        }
        final Reader reader = new Reader(location);
        final String name = reader.requiredText(root, "name");
        final String description = reader.optionalText(root, "description", "");
        final String file = reader.requiredText(root, "file");
        final String sha256 = reader.optionalText(root, "sha256", null);
        if (sha256 != null && !sha256.matches("[0-9a-fA-F]{64}")) {
            throw reader.invalid("sha256", "must be 64 hexadecimal digits, found '" + sha256 + "'");
        }
        final long size = root.has("size") ? reader.requiredLong(root, "size") : -1;
        final String url = reader.optionalText(root, "url", null);
        final String licence = reader.optionalText(root, "licence", null);

        final Input input = readInput(reader, reader.requiredObject(root, "input"));
        final JsonNode outputNode = reader.requiredObject(root, "output");
        final Output output = new Output(reader.requiredText(outputNode, "output.name", "name"),
                reader.optionalEnum(outputNode, "output.kind", "kind", OutputKind.class, OutputKind.PROBABILITIES));

        final String labels = reader.optionalText(root, "labels", null);
        final Map<String, Tap> taps = readTaps(reader, root.get("taps"));
        return new ModelManifest(location, name, description, file, sha256 == null ? null : sha256.toLowerCase(Locale.ROOT), size, url, licence,
                input, output, labels, taps);
    }

    private static Input readInput(final Reader reader, final JsonNode inputNode) throws ModelManifestException {
        final InputElementType elementType = reader.optionalEnum(inputNode, "input.elementType", "elementType", InputElementType.class,
                InputElementType.FLOAT32);
        final TensorLayout layout = reader.layout(inputNode);
        final int width = reader.requiredPositiveInt(inputNode, "input.width", "width");
        final int height = reader.requiredPositiveInt(inputNode, "input.height", "height");
        // A model's colour order and normalisation have no safe guess: a wrong one gives plausible, wrong predictions, so the
        // manifest states them. Resizing has the defaults of the preprocessing properties.
        final ChannelOrder channelOrder = reader.choice(inputNode, "channelOrder", ChannelOrder.class, null);
        final float scale = reader.normalisation(inputNode, "scale", NormalisationValues::scale);
        final float[] mean = reader.normalisation(inputNode, "mean", NormalisationValues::mean);
        final float[] std = reader.normalisation(inputNode, "std", NormalisationValues::std);
        final String resizeField = inputNode.has("resizeMode") || !inputNode.has("resize") ? "resizeMode" : "resize";
        final ResizeMode resizeMode = reader.choice(inputNode, resizeField, ResizeMode.class, ResizeMode.DEFAULT);
        final Interpolation interpolation = reader.choice(inputNode, "interpolation", Interpolation.class, Interpolation.DEFAULT);
        final String shorterSideField = inputNode.has("shorterSide") || !inputNode.has("resizeShorterSide") ? "shorterSide" : "resizeShorterSide";
        final int shorterSide = inputNode.has(shorterSideField) ? reader.requiredPositiveInt(inputNode, "input." + shorterSideField, shorterSideField) : 0;
        final TensorSpec tensorSpec;
        try {
            tensorSpec = new TensorSpec(width, height, resizeMode, interpolation, layout, channelOrder, scale, mean, std, shorterSide);
        } catch (final IllegalArgumentException e) {
            throw reader.invalid("input", e.getMessage());
        }
        return new Input(reader.requiredText(inputNode, "input.name", "name"), elementType, tensorSpec);
    }

    private static Map<String, Tap> readTaps(final Reader reader, final JsonNode tapsNode) throws ModelManifestException {
        final Map<String, Tap> taps = new LinkedHashMap<>();
        if (tapsNode != null && !tapsNode.isNull()) {
            if (!tapsNode.isObject()) {
                throw reader.invalid("taps", "must be an object of tap name to {\"tensor\": ..., \"shape\": [...]}");
            }
            final Iterator<Map.Entry<String, JsonNode>> fields = tapsNode.fields();
            while (fields.hasNext()) {
                final Map.Entry<String, JsonNode> field = fields.next();
                final String key = "taps." + field.getKey();
                final JsonNode tapNode = field.getValue();
                final String tensor;
                long[] shape = null;
                if (tapNode.isTextual()) {
                    tensor = tapNode.asText();
                } else if (tapNode.isObject()) {
                    tensor = reader.requiredText(tapNode, key + ".tensor", "tensor");
                    final JsonNode shapeNode = tapNode.get("shape");
                    if (shapeNode != null && !shapeNode.isNull()) {
                        if (!shapeNode.isArray()) {
                            throw reader.invalid(key + ".shape", "must be an array of integers (-1 for a dynamic dimension)");
                        }
                        shape = new long[shapeNode.size()];
                        for (int i = 0; i < shape.length; i++) {
                            if (!shapeNode.get(i).canConvertToLong()) {
                                throw reader.invalid(key + ".shape", "must be an array of integers (-1 for a dynamic dimension)");
                            }
                            shape[i] = shapeNode.get(i).asLong();
                        }
                    }
                } else {
                    throw reader.invalid(key, "must be a tensor name or an object with a \"tensor\" key");
                }
                taps.put(field.getKey(), new Tap(tensor, shape));
            }
        }
        return Collections.unmodifiableMap(taps);
    }

    /** The folder files named in this manifest are resolved against when no Model Directory is configured. */
    public Path defaultModelDirectory() {
        final Path parent = location.toAbsolutePath().getParent();
        return parent == null ? Path.of(".").toAbsolutePath() : parent;
    }

    /** The model file, resolved against the given directory (null: the manifest's folder). */
    public Path modelFile(final Path modelDirectory) {
        return (modelDirectory == null ? defaultModelDirectory() : modelDirectory).resolve(file);
    }

    /** The label file, resolved against the given directory (null: the manifest's folder), or null when none is named. */
    public Path labelFile(final Path modelDirectory) {
        return labels == null ? null : (modelDirectory == null ? defaultModelDirectory() : modelDirectory).resolve(labels);
    }

    /** Reads JSON values with messages that name the manifest and the dotted key. */
    private record Reader(Path location) {

        ModelManifestException invalid(final String key, final String problem) {
            return new ModelManifestException("Model manifest " + location + ": '" + key + "' " + problem);
        }

        private ModelManifestException missing(final String key) {
            return new ModelManifestException("Model manifest " + location + ": required key '" + key + "' is missing");
        }

        String requiredText(final JsonNode node, final String key) throws ModelManifestException {
            return requiredText(node, key, key);
        }

        String requiredText(final JsonNode node, final String key, final String field) throws ModelManifestException {
            final JsonNode value = node.get(field);
            if (value == null || value.isNull()) {
                throw missing(key);
            }
            if (!value.isTextual() || value.asText().isBlank()) {
                throw invalid(key, "must be a non-empty string");
            }
            return value.asText();
        }

        String optionalText(final JsonNode node, final String key, final String defaultValue) throws ModelManifestException {
            final JsonNode value = node.get(key);
            if (value == null || value.isNull()) {
                return defaultValue;
            }
            if (!value.isTextual()) {
                throw invalid(key, "must be a string");
            }
            return value.asText();
        }

        JsonNode requiredObject(final JsonNode node, final String key) throws ModelManifestException {
            final JsonNode value = node.get(key);
            if (value == null || value.isNull()) {
                throw missing(key);
            }
            if (!value.isObject()) {
                throw invalid(key, "must be a JSON object");
            }
            return value;
        }

        long requiredLong(final JsonNode node, final String key) throws ModelManifestException {
            final JsonNode value = node.get(key);
            if (value == null || value.isNull()) {
                throw missing(key);
            }
            if (!value.canConvertToLong() || !value.isIntegralNumber()) {
                throw invalid(key, "must be an integer");
            }
            return value.asLong();
        }

        int requiredPositiveInt(final JsonNode node, final String key, final String field) throws ModelManifestException {
            final JsonNode value = node.get(field);
            if (value == null || value.isNull()) {
                throw missing(key);
            }
            if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() <= 0) {
                throw invalid(key, "must be a positive integer");
            }
            return value.asInt();
        }

        /**
         * Reads Scale, Mean or Std of the input in the syntax of the preprocessing properties: a number, an array of numbers, or
         * a string such as "1/255" or "0.485,0.456,0.406".
         */
        <T> T normalisation(final JsonNode input, final String field, final Function<String, T> parser) throws ModelManifestException {
            final String key = "input." + field;
            final JsonNode value = input.get(field);
            if (value == null || value.isNull()) {
                throw missing(key);
            }
            final String text;
            if (value.isNumber() || value.isTextual()) {
                text = value.asText();
            } else if (value.isArray()) {
                final StringBuilder joined = new StringBuilder();
                for (final JsonNode element : value) {
                    if (!element.isNumber()) {
                        throw invalid(key, "must hold numbers only, found " + element);
                    }
                    joined.append(joined.isEmpty() ? "" : ",").append(element.asText());
                }
                text = joined.toString();
            } else {
                throw invalid(key, "must be a number, an array of numbers or a string such as \"1/255\"");
            }
            try {
                return parser.apply(text);
            } catch (final IllegalArgumentException e) {
                throw invalid(key, e.getMessage());
            }
        }

        /** Reads the input's layout: NCHW or NHWC as models name it, or CHW or HWC as the Tensor Layout property does. */
        TensorLayout layout(final JsonNode input) throws ModelManifestException {
            final JsonNode value = input.get("layout");
            if (value == null || value.isNull()) {
                return TensorLayout.DEFAULT;
            }
            final String text = value.isTextual() ? value.asText().toUpperCase(Locale.ROOT) : "";
            for (final TensorLayout layout : TensorLayout.values()) {
                if (text.equals(layout.name()) || text.equals("N" + layout.name())) {
                    return layout;
                }
            }
            throw invalid("input.layout", "must be one of [NCHW, NHWC], found " + value);
        }

        /** Reads an input choice by its constant's name, as the preprocessing property of that name takes it. */
        <E extends Enum<E>> E choice(final JsonNode input, final String field, final Class<E> type, final E defaultValue) throws ModelManifestException {
            final String key = "input." + field;
            final JsonNode value = input.get(field);
            if (value == null || value.isNull()) {
                if (defaultValue == null) {
                    throw missing(key);
                }
                return defaultValue;
            }
            if (value.isTextual()) {
                for (final E constant : type.getEnumConstants()) {
                    if (constant.name().equalsIgnoreCase(value.asText())) {
                        return constant;
                    }
                }
            }
            throw invalid(key, "must be one of " + Arrays.toString(type.getEnumConstants()) + ", found " + value);
        }

        <E extends Enum<E>> E optionalEnum(final JsonNode node, final String key, final String field, final Class<E> type,
                                           final E defaultValue) throws ModelManifestException {
            final JsonNode value = node.get(field);
            if (value == null || value.isNull()) {
                return defaultValue;
            }
            if (value.isTextual()) {
                for (final E constant : type.getEnumConstants()) {
                    final String manifestName = constant instanceof InputElementType elementType ? elementType.manifestName() : constant.name();
                    if (manifestName.equalsIgnoreCase(value.asText()) || constant.name().equalsIgnoreCase(value.asText())) {
                        return constant;
                    }
                }
            }
            final StringBuilder names = new StringBuilder();
            for (final E constant : type.getEnumConstants()) {
                names.append(names.isEmpty() ? "" : ", ")
                        .append(constant instanceof InputElementType elementType ? elementType.manifestName() : constant.name().toLowerCase(Locale.ROOT));
            }
            throw invalid(key, "must be one of [" + names + "], found " + value);
        }
    }
}

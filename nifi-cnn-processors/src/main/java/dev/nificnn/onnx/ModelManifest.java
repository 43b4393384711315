package dev.nificnn.onnx;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nificnn.image.ChannelOrder;
import dev.nificnn.image.Interpolation;
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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

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
    private static final List<String> CHANNEL_ORDERS = List.of("RGB", "BGR");
    private static final List<String> RESIZE_MODES = List.of("STRETCH", "SHORTER_SIDE_CROP", "FIT_PAD");
    private static final List<String> INTERPOLATIONS = List.of("NEAREST", "BILINEAR", "BICUBIC", "AREA");

    /**
     * The image input of a model and how images are turned into it.
     *
     * @param mean per channel, in the tensor's channel order
     * @param std  per channel, in the tensor's channel order
     * @param resizeShorterSide with SHORTER_SIDE_CROP, the length the shorter side is scaled to before the centre crop
     *                          (torchvision's Resize(256) + CenterCrop(224)); 0 scales it straight to the crop size
     */
    public record Input(String name, InputElementType elementType, InputLayout layout, int width, int height,
                        String channelOrder, float scale, float[] mean, float[] std, String resize, String interpolation,
                        int resizeShorterSide) {

        /** Number of values one image occupies in the input tensor. */
        public int valuesPerImage() {
            return 3 * width * height;
        }

        /** The image core's description of this input's preprocessing. */
        public TensorSpec tensorSpec() {
            return new TensorSpec(width, height, ResizeMode.valueOf(resize), Interpolation.valueOf(interpolation),
                    layout == InputLayout.NCHW ? TensorLayout.CHW : TensorLayout.HWC, ChannelOrder.valueOf(channelOrder), scale, mean, std,
                    resizeShorterSide);
        }

        /** Shape of one image without the batch dimension, in the model's layout. */
        public long[] imageShape() {
            return layout == InputLayout.NCHW ? new long[]{3, height, width} : new long[]{height, width, 3};
        }

        @Override
        public boolean equals(final Object other) {
            return other instanceof Input that && name.equals(that.name) && elementType == that.elementType && layout == that.layout
                    && width == that.width && height == that.height && channelOrder.equals(that.channelOrder)
                    && Float.compare(scale, that.scale) == 0 && Arrays.equals(mean, that.mean) && Arrays.equals(std, that.std)
                    && resize.equals(that.resize) && interpolation.equals(that.interpolation) && resizeShorterSide == that.resizeShorterSide;
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, elementType, layout, width, height, channelOrder, scale, Arrays.hashCode(mean), Arrays.hashCode(std),
                    resize, interpolation, resizeShorterSide);
        }

        @Override
        public String toString() {
            return "Input[" + name + " " + elementType.manifestName() + " " + layout + " " + width + "x" + height + " " + channelOrder
                    + " scale " + scale + " mean " + Arrays.toString(mean) + " std " + Arrays.toString(std) + " " + resize
                    + (resizeShorterSide > 0 ? " shorter side " + resizeShorterSide : "") + " " + interpolation + "]";
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

        final JsonNode inputNode = reader.requiredObject(root, "input");
        final InputElementType elementType = reader.optionalEnum(inputNode, "input.elementType", "elementType", InputElementType.class,
                InputElementType.FLOAT32);
        final InputLayout layout = reader.optionalEnum(inputNode, "input.layout", "layout", InputLayout.class, InputLayout.NCHW);
        final int width = reader.requiredPositiveInt(inputNode, "input.width", "width");
        final int height = reader.requiredPositiveInt(inputNode, "input.height", "height");
        final String channelOrder = reader.requiredChoice(inputNode, "input.channelOrder", "channelOrder", CHANNEL_ORDERS, null);
        final float scale = reader.requiredFloat(inputNode, "input.scale", "scale");
        final float[] mean = reader.requiredTriple(inputNode, "input.mean", "mean");
        final float[] std = reader.requiredTriple(inputNode, "input.std", "std");
        for (final float deviation : std) {
            if (deviation == 0) {
                throw reader.invalid("input.std", "must not contain 0");
            }
        }
        final String resize = reader.requiredChoice(inputNode, "input.resize", "resize", RESIZE_MODES, "STRETCH");
        final String interpolation = reader.requiredChoice(inputNode, "input.interpolation", "interpolation", INTERPOLATIONS, "BILINEAR");
        final int resizeShorterSide = inputNode.has("resizeShorterSide")
                ? reader.requiredPositiveInt(inputNode, "input.resizeShorterSide", "resizeShorterSide") : 0;
        final Input input = new Input(reader.requiredText(inputNode, "input.name", "name"), elementType, layout, width, height,
                channelOrder, scale, mean, std, resize, interpolation, resizeShorterSide);
        try {
            input.tensorSpec();
        } catch (final IllegalArgumentException e) {
            throw reader.invalid("input", e.getMessage());
        }

        final JsonNode outputNode = reader.requiredObject(root, "output");
        final Output output = new Output(reader.requiredText(outputNode, "output.name", "name"),
                reader.optionalEnum(outputNode, "output.kind", "kind", OutputKind.class, OutputKind.PROBABILITIES));

        final String labels = reader.optionalText(root, "labels", null);
        final Map<String, Tap> taps = new LinkedHashMap<>();
        final JsonNode tapsNode = root.get("taps");
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
        return new ModelManifest(location, name, description, file, sha256 == null ? null : sha256.toLowerCase(Locale.ROOT), size, url, licence,
                input, output, labels, Collections.unmodifiableMap(taps));
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

        float requiredFloat(final JsonNode node, final String key, final String field) throws ModelManifestException {
            final JsonNode value = node.get(field);
            if (value == null || value.isNull()) {
                throw missing(key);
            }
            if (!value.isNumber()) {
                throw invalid(key, "must be a number");
            }
            return value.floatValue();
        }

        float[] requiredTriple(final JsonNode node, final String key, final String field) throws ModelManifestException {
            final JsonNode value = node.get(field);
            if (value == null || value.isNull()) {
                throw missing(key);
            }
            if (!value.isArray() || value.size() != 3) {
                throw invalid(key, "must be an array of 3 numbers (one per channel, in the tensor's channel order)");
            }
            final float[] numbers = new float[3];
            for (int i = 0; i < 3; i++) {
                if (!value.get(i).isNumber()) {
                    throw invalid(key, "must be an array of 3 numbers (one per channel, in the tensor's channel order)");
                }
                numbers[i] = value.get(i).floatValue();
            }
            return numbers;
        }

        String requiredChoice(final JsonNode node, final String key, final String field, final List<String> choices,
                              final String defaultValue) throws ModelManifestException {
            final JsonNode value = node.get(field);
            if (value == null || value.isNull()) {
                if (defaultValue == null) {
                    throw missing(key);
                }
                return defaultValue;
            }
            final String text = value.asText().toUpperCase(Locale.ROOT);
            if (!value.isTextual() || !choices.contains(text)) {
                throw invalid(key, "must be one of " + choices + ", found " + value);
            }
            return text;
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

package dev.nificnn.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.nificnn.onnx.graph.OnnxGraphTaps;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Loads a model as its manifest describes it, adds the layer taps, and checks that the model matches the manifest. */
public final class ModelLoader {

    /** The most bytes a label file may hold: ImageNet-21k's 21,843 class names take under 1 MB. */
    static final long MAXIMUM_LABEL_FILE_BYTES = 16L * 1024 * 1024;
    /** The most labels a label file may hold, as many as a classifier artifact's features. */
    static final int MAXIMUM_LABELS = 1_000_000;

    private final OnnxSessionFactory sessionFactory;

    public ModelLoader(final OnnxSessionFactory sessionFactory) {
        this.sessionFactory = sessionFactory;
    }

    /**
     * Loads the model a manifest names.
     *
     * @param modelDirectory where the model and label files are, or null for the manifest's folder
     * @param additionalTaps tap name to tensor name, beside the manifest's taps (these win on equal names)
     */
    public OnnxModel load(final ModelManifest manifest, final Path modelDirectory, final SessionSettings settings,
                          final Map<String, String> additionalTaps) throws ModelLoadException {
        final Path modelFile = manifest.modelFile(modelDirectory);
        final byte[] model = readModel(manifest, modelFile);
        final String sha256 = sha256(model);
        if (manifest.sha256() != null && !manifest.sha256().equals(sha256)) {
            throw new ModelLoadException("Model file " + modelFile + " has SHA-256 " + sha256 + " but manifest " + manifest.location()
                    + " expects " + manifest.sha256() + ": the file is corrupt, incomplete or another model");
        }
        final List<String> labels = readLabels(manifest, modelDirectory);

        final Map<String, String> taps = new LinkedHashMap<>();
        manifest.taps().forEach((name, tap) -> taps.put(name, tap.tensor()));
        taps.putAll(additionalTaps);
        byte[] tappedModel = model;
        if (!taps.isEmpty()) {
            try {
                tappedModel = OnnxGraphTaps.addOutputs(model, new ArrayList<>(taps.values()));
            } catch (final IllegalArgumentException e) {
                throw new ModelLoadException("Layer taps " + taps + " cannot be added to model " + modelFile + ": " + e.getMessage(), e);
            }
        }

        final OnnxSessionFactory.CreatedSession created = sessionFactory.create(tappedModel, settings);
        final OrtSession session = created.session();
        try {
            final long[] inputShape = checkInput(manifest, modelFile, session);
            final Map<String, long[]> outputShapes = new LinkedHashMap<>();
            for (final Map.Entry<String, NodeInfo> output : session.getOutputInfo().entrySet()) {
                final long[] shape = output.getValue().getInfo() instanceof TensorInfo tensorInfo ? tensorInfo.getShape() : new long[0];
                outputShapes.put(output.getKey(), shape);
            }
            final long[] classShape = outputShapes.get(manifest.output().name());
            if (classShape == null) {
                throw new ModelLoadException("Manifest " + manifest.location() + " names output '" + manifest.output().name() + "' but model "
                        + modelFile + " has outputs " + outputShapes.keySet());
            }
            checkTapShapes(manifest, outputShapes);
            if (labels != null) {
                final long classCount = valuesPerImage(classShape);
                if (classCount > 0 && classCount != labels.size()) {
                    throw new ModelLoadException("Label file " + manifest.labelFile(modelDirectory) + " has " + labels.size() + " lines but output '"
                            + manifest.output().name() + "' " + Arrays.toString(classShape) + " has " + classCount + " classes");
                }
            }
            return new OnnxModel(manifest, sha256, session, created.activeProvider(), created.fallbackReason(), inputShape, outputShapes, taps, labels);
        } catch (final ModelLoadException | OrtException | RuntimeException e) {
            try {
                session.close();
            } catch (final OrtException closeFailure) {
                e.addSuppressed(closeFailure);
            }
            if (e instanceof ModelLoadException loadException) {
                throw loadException;
            }
            throw new ModelLoadException("Model " + modelFile + " cannot be inspected: " + e.getMessage(), e);
        }
    }

    /** Number of values one image has in an output of the given declared shape (batch excluded), or -1 when a dimension is dynamic. */
    public static long valuesPerImage(final long[] shape) {
        long count = 1;
        for (int i = 1; i < shape.length; i++) {
            if (shape[i] <= 0) {
                return -1;
            }
            count *= shape[i];
        }
        return count;
    }

    /** Lowercase hex SHA-256 of some bytes. */
    public static String sha256(final byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    private static byte[] readModel(final ModelManifest manifest, final Path modelFile) throws ModelLoadException {
        try {
            // A size the manifest pins is checked before the file is read, not after.
            final long size = Files.size(modelFile);
            if (manifest.size() >= 0 && size != manifest.size()) {
                throw new ModelLoadException("Model file " + modelFile + " has " + size + " bytes but manifest " + manifest.location()
                        + " expects " + manifest.size() + ": the file is corrupt, incomplete or another model; it is not read");
            }
            return readModelFile(modelFile);
        } catch (final NoSuchFileException e) {
            throw new ModelLoadException("Model file " + modelFile + " named by manifest " + manifest.location() + " does not exist"
                    + (manifest.url() == null ? "" : "; download it from " + manifest.url()));
        } catch (final BoundedFile.FileLimitException e) {
            throw new ModelLoadException(e.getMessage(), e);
        } catch (final IOException e) {
            throw new ModelLoadException("Model file " + modelFile + " cannot be read: " + e.getMessage(), e);
        }
    }

    /**
     * Reads an ONNX model file whole, refusing one larger than a protobuf message can be.
     *
     * @throws BoundedFile.FileLimitException when the file is larger than 2 GB or changes while it is read
     */
    static byte[] readModelFile(final Path modelFile) throws IOException {
        return BoundedFile.read(modelFile, "Model file", BoundedFile.MAXIMUM_ARRAY_BYTES, "an ONNX model (one protobuf message) can hold");
    }

    private static List<String> readLabels(final ModelManifest manifest, final Path modelDirectory) throws ModelLoadException {
        final Path labelFile = manifest.labelFile(modelDirectory);
        if (labelFile == null) {
            return null;
        }
        final List<String> lines;
        try {
            final byte[] content = BoundedFile.read(labelFile, "Label file", MAXIMUM_LABEL_FILE_BYTES, "a label file may hold");
            // Decoded strictly, as Files.readAllLines did: a label file that is not UTF-8 is refused, not mangled.
            lines = new ArrayList<>(StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(content)).toString().lines().toList());
        } catch (final NoSuchFileException e) {
            throw new ModelLoadException("Label file " + labelFile + " named by manifest " + manifest.location() + " does not exist");
        } catch (final BoundedFile.FileLimitException e) {
            throw new ModelLoadException(e.getMessage(), e);
        } catch (final IOException e) {
            throw new ModelLoadException("Label file " + labelFile + " cannot be read: " + e.getMessage(), e);
        }
        // A trailing newline is not a class.
        while (!lines.isEmpty() && lines.getLast().isBlank()) {
            lines.removeLast();
        }
        if (lines.size() > MAXIMUM_LABELS) {
            throw new ModelLoadException("Label file " + labelFile + " has " + lines.size() + " labels, more than the " + MAXIMUM_LABELS
                    + " classes a model output may have");
        }
        return lines;
    }

    private static long[] checkInput(final ModelManifest manifest, final Path modelFile, final OrtSession session)
            throws OrtException, ModelLoadException {
        final ModelManifest.Input input = manifest.input();
        final Map<String, NodeInfo> inputs = session.getInputInfo();
        final NodeInfo node = inputs.get(input.name());
        if (node == null) {
            throw new ModelLoadException("Manifest " + manifest.location() + " names input '" + input.name() + "' but model " + modelFile
                    + " has inputs " + inputs.keySet());
        }
        if (inputs.size() != 1) {
            throw new ModelLoadException("Model " + modelFile + " has " + inputs.size() + " inputs " + inputs.keySet()
                    + "; only models with a single image input are supported");
        }
        if (!(node.getInfo() instanceof TensorInfo tensorInfo)) {
            throw new ModelLoadException("Input '" + input.name() + "' of model " + modelFile + " is not a tensor");
        }
        final OnnxJavaType expectedType = input.elementType() == InputElementType.FLOAT16 ? OnnxJavaType.FLOAT16 : OnnxJavaType.FLOAT;
        if (tensorInfo.type != expectedType) {
            throw new ModelLoadException("Manifest " + manifest.location() + " says input '" + input.name() + "' is "
                    + input.elementType().manifestName() + " but model " + modelFile + " declares " + tensorInfo.type);
        }
        final long[] shape = tensorInfo.getShape();
        final long[] expected = input.imageShape();
        boolean matches = shape.length == 4;
        for (int i = 0; matches && i < 3; i++) {
            matches = shape[i + 1] <= 0 || shape[i + 1] == expected[i];
        }
        if (!matches) {
            throw new ModelLoadException("Manifest " + manifest.location() + " describes input '" + input.name() + "' as " + input.layout() + " "
                    + input.width() + "x" + input.height() + " (per image " + Arrays.toString(expected) + ") but model " + modelFile
                    + " declares shape " + Arrays.toString(shape));
        }
        return shape;
    }

    private static void checkTapShapes(final ModelManifest manifest, final Map<String, long[]> outputShapes) throws ModelLoadException {
        for (final Map.Entry<String, ModelManifest.Tap> tap : manifest.taps().entrySet()) {
            final long[] expected = tap.getValue().shape();
            final long[] actual = outputShapes.get(tap.getValue().tensor());
            if (expected == null || actual == null || actual.length == 0) {
                continue;
            }
            boolean matches = expected.length == actual.length;
            for (int i = 0; matches && i < expected.length; i++) {
                matches = expected[i] <= 0 || actual[i] <= 0 || expected[i] == actual[i];
            }
            if (!matches) {
                throw new ModelLoadException("Manifest " + manifest.location() + " says tap '" + tap.getKey() + "' (tensor '" + tap.getValue().tensor()
                        + "') has shape " + Arrays.toString(expected) + " but the model declares " + Arrays.toString(actual));
            }
        }
    }
}

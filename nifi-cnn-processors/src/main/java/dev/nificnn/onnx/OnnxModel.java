package dev.nificnn.onnx;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A model loaded into an ONNX Runtime session, with the facts processors need (input, outputs, taps, labels, model id,
 * active provider). Shared by all tasks; closed only when its owner retired it and the last lease was released.
 */
public final class OnnxModel implements AutoCloseable {

    private final ModelManifest manifest;
    private final String sha256;
    private final String modelId;
    private final OrtSession session;
    private final ExecutionProvider activeProvider;
    private final String providerNote;
    private final long[] inputShape;
    private final Map<String, long[]> outputShapes;
    private final Map<String, String> taps;
    private final List<String> labels;
    private final AtomicInteger references = new AtomicInteger(1);

    OnnxModel(final ModelManifest manifest, final String sha256, final OrtSession session, final ExecutionProvider activeProvider,
              final String providerNote, final long[] inputShape, final Map<String, long[]> outputShapes, final Map<String, String> taps,
              final List<String> labels) {
        this.manifest = manifest;
        this.sha256 = sha256;
        this.modelId = manifest.name() + "-" + sha256.substring(0, 12);
        this.session = session;
        this.activeProvider = activeProvider;
        this.providerNote = providerNote;
        this.inputShape = inputShape.clone();
        this.outputShapes = Map.copyOf(outputShapes);
        this.taps = Map.copyOf(taps);
        this.labels = labels == null ? null : List.copyOf(labels);
    }

    public ModelManifest manifest() {
        return manifest;
    }

    /** Lowercase hex SHA-256 of the model file as loaded. */
    public String sha256() {
        return sha256;
    }

    /** Manifest name plus the first 12 hex digits of the model file's SHA-256, e.g. {@code squeezenet1.1-0fccde009e25}. */
    public String modelId() {
        return modelId;
    }

    public OrtSession session() {
        return session;
    }

    /** The execution provider actually running the model (CUDA, TENSORRT or CPU; never AUTO). */
    public ExecutionProvider activeProvider() {
        return activeProvider;
    }

    /** Why the provider differs from what was asked for (AUTO fell back to the CPU), or null. */
    public String providerNote() {
        return providerNote;
    }

    public String inputName() {
        return manifest.input().name();
    }

    /** The input shape the graph declares, -1 (or 0) for dynamic dimensions. */
    public long[] inputShape() {
        return inputShape.clone();
    }

    /** The batch size the graph insists on, or 0 when the batch dimension is dynamic. */
    public int fixedBatchSize() {
        return inputShape[0] > 0 ? (int) inputShape[0] : 0;
    }

    /** Graph outputs (including added taps) and their declared shapes. */
    public Map<String, long[]> outputShapes() {
        return outputShapes;
    }

    /** Tap name to tensor name, the manifest's taps plus the service's additional ones. */
    public Map<String, String> taps() {
        return taps;
    }

    /** Class names in output order, or null when the manifest names no label file. */
    public List<String> labels() {
        return labels;
    }

    /**
     * The graph output a layer name means: a tap name, the manifest's output name, or a raw tensor name that is a graph output.
     *
     * @throws IllegalArgumentException naming the taps and outputs available
     */
    public String resolveLayer(final String layer) {
        final String tapped = taps.get(layer);
        if (tapped != null) {
            return tapped;
        }
        if (outputShapes.containsKey(layer)) {
            return layer;
        }
        throw new IllegalArgumentException("Layer '" + layer + "' is neither a tap of model " + modelId + " (taps: " + taps.keySet()
                + ") nor one of its outputs " + outputShapes.keySet() + "; add it as an Additional Layer Tap of the model service");
    }

    /** Takes a reference; false when the model is already closed. */
    boolean retain() {
        while (true) {
            final int count = references.get();
            if (count <= 0) {
                return false;
            }
            if (references.compareAndSet(count, count + 1)) {
                return true;
            }
        }
    }

    /** Drops a reference and closes the session when it was the last one. */
    void release() {
        if (references.decrementAndGet() == 0) {
            try {
                session.close();
            } catch (final OrtException e) {
                // Closing only frees native memory; nothing can be done about a failure here.
            }
        }
    }

    /** Drops the loader's reference: for a model loaded directly (not through {@link ReloadableModel}), this closes it. */
    @Override
    public void close() {
        release();
    }

    /** Whether the session has been closed. */
    boolean closed() {
        return references.get() <= 0;
    }

    /** A human-readable summary: inputs, outputs, taps, provider. */
    public String describe() {
        final StringBuilder text = new StringBuilder();
        text.append("model ").append(modelId).append(" on ").append(activeProvider.getDisplayName());
        if (providerNote != null) {
            text.append(" (").append(providerNote).append(')');
        }
        text.append("; input ").append(inputName()).append(' ').append(manifest.input().elementType().manifestName()).append(' ')
                .append(Arrays.toString(inputShape)).append(fixedBatchSize() > 0 ? " (fixed batch " + fixedBatchSize() + ")" : " (dynamic batch)");
        text.append("; outputs");
        outputShapes.forEach((name, shape) -> text.append(' ').append(name).append(Arrays.toString(shape)));
        text.append("; taps ").append(taps.isEmpty() ? "none" : taps.toString());
        if (labels != null) {
            text.append("; ").append(labels.size()).append(" labels");
        }
        return text.toString();
    }
}

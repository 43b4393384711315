package dev.nificnn.processors;

import dev.nificnn.onnx.BatchInference;
import dev.nificnn.onnx.InputPreparer;
import dev.nificnn.onnx.InvalidInputException;
import dev.nificnn.onnx.ModelManifest;
import dev.nificnn.onnx.OnnxModel;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.processor.ProcessSession;

import java.io.InputStream;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Reads a batch of FlowFiles (images or .npy tensors) into one model input buffer, setting aside those that cannot be
 * read. Keeps one preparer per model input and one reusable direct buffer per thread, so nothing large is allocated per batch.
 */
final class ModelInputs {

    /** The FlowFiles of a batch whose content made it into the buffer, and those rejected with the reason. */
    record Prepared(List<FlowFile> accepted, Map<FlowFile, String> rejected, FloatBuffer buffer) {
    }

    private final long maxPixels;
    private final AtomicReference<InputPreparer> preparer = new AtomicReference<>();
    private final ThreadLocal<FloatBuffer> buffers = new ThreadLocal<>();

    ModelInputs(final long maxPixels) {
        this.maxPixels = maxPixels;
    }

    Prepared prepare(final ProcessSession session, final List<FlowFile> flowFiles, final OnnxModel model) {
        final InputPreparer inputPreparer = preparerFor(model.manifest().input());
        final int valuesPerImage = model.manifest().input().valuesPerImage();
        final FloatBuffer buffer = buffer(model.manifest().input(), flowFiles.size());
        final List<FlowFile> accepted = new ArrayList<>(flowFiles.size());
        final Map<FlowFile, String> rejected = new LinkedHashMap<>();
        for (final FlowFile flowFile : flowFiles) {
            buffer.position(accepted.size() * valuesPerImage);
            final byte[][] content = new byte[1][];
            try {
                session.read(flowFile, (final InputStream in) -> content[0] = in.readAllBytes());
                inputPreparer.write(content[0], buffer);
                accepted.add(flowFile);
            } catch (final InvalidInputException e) {
                rejected.put(flowFile, e.getMessage());
            } catch (final RuntimeException e) {
                rejected.put(flowFile, "Input cannot be read: " + e);
            }
        }
        buffer.position(0);
        return new Prepared(accepted, rejected, buffer);
    }

    private InputPreparer preparerFor(final ModelManifest.Input input) {
        final InputPreparer current = preparer.get();
        if (current != null && current.input().equals(input)) {
            return current;
        }
        // A reloaded model may preprocess differently; rebuilding is cheap and rare.
        final InputPreparer replacement = new InputPreparer(input, maxPixels);
        preparer.set(replacement);
        return replacement;
    }

    private FloatBuffer buffer(final ModelManifest.Input input, final int images) {
        final FloatBuffer current = buffers.get();
        final int needed = images * input.valuesPerImage();
        if (current != null && current.capacity() >= needed) {
            return current.clear();
        }
        final FloatBuffer replacement = BatchInference.allocate(input, images);
        buffers.set(replacement);
        return replacement;
    }
}

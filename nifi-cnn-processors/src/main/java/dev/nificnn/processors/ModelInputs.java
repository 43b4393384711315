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
import java.util.stream.IntStream;

/**
 * Reads a batch of FlowFiles (images or .npy tensors) into one model input buffer, setting aside those that cannot be
 * read. Keeps one preparer per model input and one reusable direct buffer per thread, so nothing large is allocated per batch.
 */
final class ModelInputs {

    /** The FlowFiles of a batch whose content made it into the buffer, and those rejected with the reason. */
    record Prepared(List<FlowFile> accepted, Map<FlowFile, String> rejected, FloatBuffer buffer) {
    }

    private final long maxPixels;
    private final boolean jpegDraft;
    private final AtomicReference<InputPreparer> preparer = new AtomicReference<>();
    private final ThreadLocal<FloatBuffer> buffers = new ThreadLocal<>();

    /** Inputs refusing images that declare more than {@code maxPixels} pixels; with {@code jpegDraft}, JPEGs decoded as drafts. */
    ModelInputs(final long maxPixels, final boolean jpegDraft) {
        this.maxPixels = maxPixels;
        this.jpegDraft = jpegDraft;
    }

    Prepared prepare(final ProcessSession session, final List<FlowFile> flowFiles, final OnnxModel model) {
        final InputPreparer inputPreparer = preparerFor(model.manifest().input());
        final int valuesPerImage = model.manifest().input().valuesPerImage();
        final int count = flowFiles.size();
        final FloatBuffer buffer = buffer(model.manifest().input(), count);
        final byte[][] contents = new byte[count][];
        final String[] errors = new String[count];
        // The session is not thread-safe: read on this thread, decode in parallel below.
        for (int i = 0; i < count; i++) {
            final int index = i;
            try {
                session.read(flowFiles.get(i), (final InputStream in) -> contents[index] = in.readAllBytes());
            } catch (final RuntimeException e) {
                errors[i] = "Input cannot be read: " + e;
            }
        }
        // Decoding and resizing are the processors' own CPU work beside inference; spreading a batch over the cores keeps
        // that share small. Each image has its own slot of the buffer.
        final IntStream slots = IntStream.range(0, count);
        (count > 1 ? slots.parallel() : slots).forEach(index -> {
            if (errors[index] != null) {
                return;
            }
            final FloatBuffer slot = buffer.duplicate().position(index * valuesPerImage);
            try {
                inputPreparer.write(contents[index], slot);
            } catch (final InvalidInputException e) {
                errors[index] = e.getMessage();
            } catch (final RuntimeException e) {
                errors[index] = "Input cannot be prepared: " + e;
            }
        });
        final List<FlowFile> accepted = new ArrayList<>(count);
        final Map<FlowFile, String> rejected = new LinkedHashMap<>();
        for (int index = 0; index < count; index++) {
            if (errors[index] != null) {
                rejected.put(flowFiles.get(index), errors[index]);
                continue;
            }
            if (accepted.size() != index) {
                // Close the gap a rejected input left, so that accepted images are contiguous.
                buffer.put(accepted.size() * valuesPerImage, buffer, index * valuesPerImage, valuesPerImage);
            }
            accepted.add(flowFiles.get(index));
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
        final InputPreparer replacement = new InputPreparer(input, maxPixels, jpegDraft);
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

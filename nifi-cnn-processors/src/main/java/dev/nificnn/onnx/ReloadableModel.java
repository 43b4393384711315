package dev.nificnn.onnx;

import dev.nificnn.reload.FileStamp;
import dev.nificnn.reload.FileWatch;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The one loaded model a service shares among all tasks. It watches the manifest (when it is a file) and the model file cheaply (modification
 * time, size, file key) and, when they change and the model's SHA-256 or the manifest differ, loads the new model and swaps
 * it in atomically; the old session is closed only after the last batch using it has finished, so no FlowFile fails.
 */
public final class ReloadableModel implements AutoCloseable {

    private final ManifestSource manifestSource;
    private final Path modelDirectory;
    private final SessionSettings settings;
    private final Map<String, String> additionalTaps;
    private final Consumer<String> warnings;
    private final OnnxSessionFactory sessionFactory = new OnnxSessionFactory();
    private final ModelLoader loader = new ModelLoader(sessionFactory);
    private final AtomicReference<OnnxModel> current = new AtomicReference<>();
    private final AtomicLong reloads = new AtomicLong();
    private final FileWatch watch;
    private volatile boolean closed;

    /**
     * Loads the model now.
     *
     * @param modelDirectory  where model and label files are, or null for the manifest's folder
     * @param checkInterval   how often files are checked for a change (zero: before every batch)
     * @param warnings        receives operator-facing warnings (a failed reload, a CUDA fallback)
     */
    public ReloadableModel(final ManifestSource manifestSource, final Path modelDirectory, final SessionSettings settings, final Map<String, String> additionalTaps,
                           final Duration checkInterval, final Consumer<String> warnings) throws ModelLoadException {
        this.manifestSource = Objects.requireNonNull(manifestSource, "Manifest source required");
        this.modelDirectory = modelDirectory;
        this.settings = Objects.requireNonNull(settings, "Session settings required");
        this.additionalTaps = Map.copyOf(additionalTaps);
        // Checked before the model is loaded: the watch that needs it is made afterwards, and a failure then would leak the session.
        Objects.requireNonNull(checkInterval, "Check interval required");
        this.warnings = warnings;
        final FileStamp manifestBefore = FileStamp.of(manifestSource.watchedFile());
        final ModelManifest manifest = manifestSource.read();
        final FileStamp modelBefore = FileStamp.of(manifest.modelFile(modelDirectory));
        final OnnxModel model = loader.load(manifest, modelDirectory, settings, this.additionalTaps);
        current.set(model);
        // Made after the load so that the first interval starts once the model is ready, as every later one starts with its check.
        watch = new FileWatch(checkInterval, manifestBefore, modelBefore);
        if (model.providerNote() != null) {
            warnings.accept(model.providerNote());
        }
    }

    /** Takes a lease on the current model, first checking for a changed model file when the check interval has passed. */
    public ModelLease acquire() {
        if (watch.isCheckDue()) {
            reloadIfChanged();
        }
        while (true) {
            if (closed) {
                throw new ModelUnavailableException("The model service has been disabled");
            }
            final OnnxModel model = current.get();
            if (model.retain()) {
                return new ModelLease(model);
            }
            // Lost a race with a reload that closed this one: the next read sees the new model.
        }
    }

    /** The current model without a lease: for describing it, not for running it. */
    public OnnxModel current() {
        return current.get();
    }

    /**
     * Checks the files and reloads when they changed. Only one caller checks at a time; the others go on with the current
     * model meanwhile. A reload that fails keeps the current model and reports a warning.
     *
     * @return true when a new model was swapped in
     */
    public boolean reloadIfChanged() {
        return !closed && watch.tryCheck(this::swapIfChanged);
    }

    /** The check itself, run by one caller at a time. */
    private boolean swapIfChanged() {
        final OnnxModel model = current.get();
        final FileStamp manifestNow = FileStamp.of(manifestSource.watchedFile());
        final FileStamp modelNow = FileStamp.of(model.manifest().modelFile(modelDirectory));
        if (!watch.changed(manifestNow, modelNow)) {
            return false;
        }
        try {
            final ModelManifest manifest = manifestSource.read();
            final Path modelFile = manifest.modelFile(modelDirectory);
            final FileStamp newModelStamp = FileStamp.of(modelFile);
            final String sha256 = ModelLoader.sha256(ModelLoader.readModelFile(modelFile));
            if (manifest.equals(model.manifest()) && sha256.equals(model.sha256())) {
                watch.loaded(manifestNow, newModelStamp);
                return false;
            }
            final OnnxModel replacement = loader.load(manifest, modelDirectory, settings, additionalTaps);
            current.set(replacement);
            watch.loaded(manifestNow, newModelStamp);
            reloads.incrementAndGet();
            // The service's own reference; batches still running on the old model keep it open until they finish.
            model.release();
            return true;
        } catch (final ModelLoadException | IOException | RuntimeException e) {
            watch.refused(manifestNow, modelNow);
            warnings.accept("Model files changed but the new model cannot be loaded, still running " + model.modelId() + ": " + e.getMessage());
            return false;
        }
    }

    /** How many ONNX Runtime sessions this holder created (1 unless the model was reloaded). */
    public long sessionsCreated() {
        return sessionFactory.sessionsCreated();
    }

    /** How many times a changed model was swapped in. */
    public long reloads() {
        return reloads.get();
    }

    /** Releases the holder's reference: the session closes once running batches have finished. */
    @Override
    public void close() {
        watch.exclusively(() -> {
            if (!closed) {
                closed = true;
                current.get().release();
            }
        });
    }
}

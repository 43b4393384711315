package dev.nificnn.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
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
    private final long checkIntervalNanos;
    private final Consumer<String> warnings;
    private final OnnxSessionFactory sessionFactory = new OnnxSessionFactory();
    private final ModelLoader loader = new ModelLoader(sessionFactory);
    private final AtomicReference<OnnxModel> current = new AtomicReference<>();
    private final ReentrantLock reloadLock = new ReentrantLock();
    private final AtomicLong reloads = new AtomicLong();
    private volatile long nextCheckNanos;
    private volatile boolean closed;
    private FileStamp manifestStamp;
    private FileStamp modelStamp;

    /** Modification time, size and identity of a file: changes when the file is rewritten or replaced. */
    private record FileStamp(long modifiedNanos, long size, Object fileKey) {

        static FileStamp of(final Path file) {
            if (file == null) {
                return new FileStamp(0, 0, null);
            }
            try {
                final BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                return new FileStamp(attributes.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS), attributes.size(), attributes.fileKey());
            } catch (final IOException e) {
                return new FileStamp(-1, -1, null);
            }
        }
    }

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
        this.checkIntervalNanos = checkInterval.toNanos();
        this.warnings = warnings;
        final FileStamp manifestBefore = FileStamp.of(manifestSource.watchedFile());
        final ModelManifest manifest = manifestSource.read();
        final FileStamp modelBefore = FileStamp.of(manifest.modelFile(modelDirectory));
        final OnnxModel model = loader.load(manifest, modelDirectory, settings, this.additionalTaps);
        current.set(model);
        manifestStamp = manifestBefore;
        modelStamp = modelBefore;
        nextCheckNanos = System.nanoTime() + checkIntervalNanos;
        if (model.providerNote() != null) {
            warnings.accept(model.providerNote());
        }
    }

    /** Takes a lease on the current model, first checking for a changed model file when the check interval has passed. */
    public ModelLease acquire() {
        if (System.nanoTime() - nextCheckNanos >= 0) {
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
        if (closed || !reloadLock.tryLock()) {
            return false;
        }
        try {
            nextCheckNanos = System.nanoTime() + checkIntervalNanos;
            final OnnxModel model = current.get();
            final FileStamp manifestNow = FileStamp.of(manifestSource.watchedFile());
            final FileStamp modelNow = FileStamp.of(model.manifest().modelFile(modelDirectory));
            if (manifestNow.equals(manifestStamp) && modelNow.equals(modelStamp)) {
                return false;
            }
            try {
                final ModelManifest manifest = manifestSource.read();
                final Path modelFile = manifest.modelFile(modelDirectory);
                final FileStamp newModelStamp = FileStamp.of(modelFile);
                final String sha256 = ModelLoader.sha256(ModelLoader.readModelFile(modelFile));
                if (manifest.equals(model.manifest()) && sha256.equals(model.sha256())) {
                    manifestStamp = manifestNow;
                    modelStamp = newModelStamp;
                    return false;
                }
                final OnnxModel replacement = loader.load(manifest, modelDirectory, settings, additionalTaps);
                current.set(replacement);
                manifestStamp = manifestNow;
                modelStamp = newModelStamp;
                reloads.incrementAndGet();
                // The service's own reference; batches still running on the old model keep it open until they finish.
                model.release();
                return true;
            } catch (final ModelLoadException | IOException | RuntimeException e) {
                manifestStamp = manifestNow;
                modelStamp = modelNow;
                warnings.accept("Model files changed but the new model cannot be loaded, still running " + model.modelId() + ": " + e.getMessage());
                return false;
            }
        } finally {
            reloadLock.unlock();
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
        reloadLock.lock();
        try {
            if (!closed) {
                closed = true;
                current.get().release();
            }
        } finally {
            reloadLock.unlock();
        }
    }
}

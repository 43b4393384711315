package dev.nificnn.onnx;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The JVM-wide registry of loaded models: services configured alike (same manifest or described model file, model directory, session settings, taps
 * and check interval) share one {@link ReloadableModel}, hence one ONNX Runtime session, and the model is closed when the last
 * of them lets go.
 */
public final class SharedModels {

    /** What makes two services load the same session. */
    private record Key(ManifestSource manifestSource, Path modelDirectory, SessionSettings settings, Map<String, String> additionalTaps, Duration checkInterval) {
    }

    /** One shared model and who holds it. */
    private static final class Entry {
        private final ReloadableModel model;
        private final List<Consumer<String>> listeners;
        private int holders;

        Entry(final ReloadableModel model, final List<Consumer<String>> listeners) {
            this.model = model;
            this.listeners = listeners;
        }
    }

    /** A service's hold on a shared model; closing it lets go. */
    public static final class Handle implements AutoCloseable {
        private final Key key;
        private final Entry entry;
        private final Consumer<String> warnings;
        private boolean closed;

        private Handle(final Key key, final Entry entry, final Consumer<String> warnings) {
            this.key = key;
            this.entry = entry;
            this.warnings = warnings;
        }

        public ReloadableModel model() {
            return entry.model;
        }

        @Override
        public void close() {
            synchronized (MODELS) {
                if (closed) {
                    return;
                }
                closed = true;
                entry.listeners.remove(warnings);
                entry.holders--;
                if (entry.holders == 0) {
                    MODELS.remove(key);
                    entry.model.close();
                }
            }
        }
    }

    private static final Map<Key, Entry> MODELS = new HashMap<>();

    private SharedModels() {
    }

    /**
     * Returns a hold on the model for this configuration, loading it when no one holds it yet.
     *
     * @param warnings receives this holder's operator-facing warnings (CUDA fallback, failed reloads)
     */
    public static Handle open(final ManifestSource manifestSource, final Path modelDirectory, final SessionSettings settings, final Map<String, String> additionalTaps,
                              final Duration checkInterval, final Consumer<String> warnings) throws ModelLoadException {
        final Key key = new Key(manifestSource, modelDirectory == null ? null : modelDirectory.toAbsolutePath().normalize(),
                settings, Map.copyOf(additionalTaps), checkInterval);
        synchronized (MODELS) {
            Entry entry = MODELS.get(key);
            if (entry == null) {
                final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
                listeners.add(warnings);
                final ReloadableModel model = new ReloadableModel(key.manifestSource(), key.modelDirectory(), settings, key.additionalTaps(), checkInterval,
                        message -> listeners.forEach(listener -> listener.accept(message)));
                entry = new Entry(model, listeners);
                MODELS.put(key, entry);
            } else {
                entry.listeners.add(warnings);
                // A service joining a model that fell back to the CPU gets the warning too.
                final String note = entry.model.current().providerNote();
                if (note != null) {
                    warnings.accept(note);
                }
            }
            entry.holders++;
            return new Handle(key, entry, warnings);
        }
    }
}

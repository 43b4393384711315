package dev.nificnn.onnx;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReloadableModelTest {

    @TempDir
    Path directory;

    private final List<String> warnings = new CopyOnWriteArrayList<>();

    private ReloadableModel open(final Path manifest) throws ModelLoadException {
        return new ReloadableModel(new ManifestFile(manifest), null, SessionSettings.cpu(1), Map.of(), Duration.ZERO, warnings::add);
    }

    private static float[] classify(final OnnxModel model, final float[] image) {
        final FloatBuffer buffer = BatchInference.allocate(model.manifest().input(), 1).put(image).flip();
        final BatchInference.Result result = BatchInference.run(model, buffer, 1, List.of("probabilities"));
        assertFalse(result.outcomes().getFirst().failed(), result.outcomes().getFirst().error());
        return result.outcomes().getFirst().outputs()[0];
    }

    @Test
    void keepsTheSessionWhileFilesAreUnchangedOrOnlyTouched() throws Exception {
        final Path manifest = TinyModels.write(directory, 1f);
        try (ReloadableModel model = open(manifest)) {
            final OnnxModel first = model.current();
            assertFalse(model.reloadIfChanged());
            // Same bytes rewritten: new modification time, same SHA-256, no new session.
            TinyModels.writeModel(directory, 1f);
            assertFalse(model.reloadIfChanged());
            try (ModelLease lease = model.acquire()) {
                assertSame(first, lease.model());
            }
            assertEquals(1, model.sessionsCreated());
            assertEquals(0, model.reloads());
        }
    }

    @Test
    void reloadsAReplacedModelAndClosesTheOldOneAfterItsLastLease() throws Exception {
        final Path manifest = TinyModels.write(directory, 1f);
        final float[] image = TinyModels.values(3);
        try (ReloadableModel model = open(manifest)) {
            final ModelLease inFlight = model.acquire();
            final OnnxModel old = inFlight.model();
            final float[] before = classify(old, image);

            TinyModels.writeModel(directory, 3f);
            try (ModelLease next = model.acquire()) {
                assertNotEquals(old.modelId(), next.model().modelId());
                final float[] after = classify(next.model(), image);
                assertFalse(Arrays.equals(before, after));
            }
            // The batch that started on the old model finishes on it.
            assertFalse(old.closed());
            assertEquals(before[0], classify(old, image)[0]);
            inFlight.close();
            assertTrue(old.closed());
            assertEquals(2, model.sessionsCreated());
            assertEquals(1, model.reloads());
        }
    }

    @Test
    void keepsRunningTheOldModelWhenTheNewOneIsBroken() throws Exception {
        final Path manifest = TinyModels.write(directory, 1f);
        try (ReloadableModel model = open(manifest)) {
            final String id = model.current().modelId();
            Files.write(directory.resolve(TinyModels.MODEL_FILE), new byte[]{1, 2, 3});
            assertFalse(model.reloadIfChanged());
            assertEquals(id, model.current().modelId());
            assertEquals(1, warnings.size());
            assertTrue(warnings.getFirst().startsWith("Model files changed but the new model cannot be loaded, still running " + id), warnings.getFirst());
        }
    }

    @Test
    void swapsUnderConcurrentUseWithoutFailingAnyRun() throws Exception {
        final Path manifest = TinyModels.write(directory, 1f);
        final float[] image = TinyModels.values(11);
        final AtomicBoolean running = new AtomicBoolean(true);
        final ExecutorService threads = Executors.newFixedThreadPool(4);
        try (ReloadableModel model = open(manifest)) {
            final float[] expectedBefore = classify(model.current(), image);
            final List<Future<Integer>> workers = new ArrayList<>();
            for (int worker = 0; worker < 4; worker++) {
                workers.add(threads.submit(() -> {
                    int runs = 0;
                    while (running.get() || runs < 50) {
                        try (ModelLease lease = model.acquire()) {
                            classify(lease.model(), image);
                            runs++;
                        }
                    }
                    return runs;
                }));
            }
            for (int replacement = 2; replacement <= 4; replacement++) {
                Thread.sleep(50);
                TinyModels.writeModel(directory, replacement);
            }
            Thread.sleep(50);
            running.set(false);
            int total = 0;
            for (final Future<Integer> worker : workers) {
                total += worker.get();
            }
            assertTrue(total >= 200);
            assertTrue(model.reloads() >= 1 && model.reloads() <= 3, Long.toString(model.reloads()));
            assertEquals(1 + model.reloads(), model.sessionsCreated());
            assertFalse(Arrays.equals(expectedBefore, classify(model.current(), image)));
            assertTrue(warnings.isEmpty(), warnings.toString());
        } finally {
            threads.shutdownNow();
        }
    }
}

package dev.nificnn.reload;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.AbstractQueuedSynchronizer;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class FileWatchTest {

    private static final Duration INTERVAL = Duration.ofSeconds(10);

    /** Only guards against a hang: every wait below ends on an event, not on time passing. */
    private static final Duration HANG = Duration.ofSeconds(60);

    @TempDir
    Path directory;

    private final AtomicLong clock = new AtomicLong(123_456_789);
    private final AtomicInteger reloads = new AtomicInteger();

    /** What a service does before handing out its model: check when due, and take in a changed file. */
    private boolean reloadIfDue(final FileWatch watch, final Path file) {
        return watch.isCheckDue() && watch.tryCheck(() -> {
            final FileStamp now = FileStamp.of(file);
            if (!watch.changed(now)) {
                return false;
            }
            watch.loaded(now);
            reloads.incrementAndGet();
            return true;
        });
    }

    @Test
    void aChangedFileIsSeenOnceTheIntervalHasPassedAndNotBefore() throws Exception {
        final Path file = Files.writeString(directory.resolve("model.bin"), "first");
        final FileWatch watch = new FileWatch(INTERVAL, clock::get, FileStamp.of(file));
        Files.writeString(file, "second, longer");

        clock.addAndGet(INTERVAL.toNanos() - 1);
        assertFalse(watch.isCheckDue());
        assertFalse(reloadIfDue(watch, file), "not due yet");
        assertEquals(0, reloads.get());

        clock.incrementAndGet();
        assertTrue(reloadIfDue(watch, file), "due: the change is seen");
        assertEquals(1, reloads.get());
        assertFalse(watch.isCheckDue(), "the interval starts again with the check");

        Files.writeString(file, "third, longer still");
        clock.addAndGet(INTERVAL.toNanos() - 1);
        assertFalse(reloadIfDue(watch, file));
        clock.incrementAndGet();
        assertTrue(reloadIfDue(watch, file));
        assertEquals(2, reloads.get());
    }

    @Test
    void theIntervalIsCountedFromTheStartOfTheCheck() throws Exception {
        final Path file = Files.writeString(directory.resolve("model.bin"), "first");
        final FileWatch watch = new FileWatch(INTERVAL, clock::get, FileStamp.of(file));
        clock.addAndGet(INTERVAL.toNanos());
        // A load as long as the interval: the next check is due as soon as it ends.
        assertTrue(watch.tryCheck(() -> clock.addAndGet(INTERVAL.toNanos()) > 0));
        assertTrue(watch.isCheckDue());
    }

    @Test
    void anUnchangedFileIsNotReloaded() throws Exception {
        final Path file = Files.writeString(directory.resolve("model.bin"), "first");
        final FileWatch watch = new FileWatch(Duration.ZERO, clock::get, FileStamp.of(file));
        for (int check = 0; check < 3; check++) {
            assertTrue(watch.isCheckDue(), "an interval of zero: every use checks");
            assertFalse(reloadIfDue(watch, file));
        }
        Files.readAllBytes(file);
        assertFalse(reloadIfDue(watch, file), "reading the file does not change it");
        assertEquals(0, reloads.get());

        Files.writeString(file, "second, longer");
        assertTrue(reloadIfDue(watch, file));
        assertFalse(reloadIfDue(watch, file), "the reloaded version is the new baseline");
        assertEquals(1, reloads.get());
    }

    @Test
    void aRefusedVersionIsNotTriedAgainUntilTheFileChangesAgain() throws Exception {
        final Path file = Files.writeString(directory.resolve("model.bin"), "good");
        final FileStamp good = FileStamp.of(file);
        final FileWatch watch = new FileWatch(Duration.ZERO, clock::get, good);
        Files.writeString(file, "broken, longer");
        final FileStamp broken = FileStamp.of(file);
        assertTrue(watch.changed(broken));
        watch.refused(broken);
        assertFalse(watch.changed(broken), "refused once, not tried again");
        assertFalse(watch.changed(good), "the loaded version is no change either");

        Files.writeString(file, "fixed, longer still");
        final FileStamp fixed = FileStamp.of(file);
        assertTrue(watch.changed(fixed));
        watch.loaded(fixed);
        assertFalse(watch.changed(fixed));
        assertTrue(watch.changed(broken), "after a load, an older refusal no longer counts");
    }

    @Test
    void onlyTheFirstRefusalSinceALoadIsRecordedByFirstRefusal() throws Exception {
        final Path file = Files.writeString(directory.resolve("model.bin"), "good");
        final FileWatch watch = new FileWatch(Duration.ZERO, clock::get, FileStamp.of(file));
        assertTrue(watch.firstRefusal(FileStamp.UNREADABLE));
        assertFalse(watch.firstRefusal(FileStamp.UNREADABLE), "reported once");
        assertFalse(watch.changed(FileStamp.UNREADABLE));

        Files.writeString(file, "broken, longer");
        final FileStamp broken = FileStamp.of(file);
        watch.refused(broken);
        assertFalse(watch.firstRefusal(FileStamp.UNREADABLE), "an earlier refusal stands");
        assertFalse(watch.changed(broken));

        watch.loaded(FileStamp.of(file));
        assertTrue(watch.firstRefusal(FileStamp.UNREADABLE), "a load starts afresh");
    }

    @Test
    void aConcurrentCallerDoesNotWaitForARunningCheck() throws Exception {
        final Path file = Files.writeString(directory.resolve("model.bin"), "first");
        final FileWatch watch = new FileWatch(Duration.ZERO, clock::get, FileStamp.of(file));
        final CountDownLatch checking = new CountDownLatch(1);
        final CountDownLatch finish = new CountDownLatch(1);
        final ExecutorService threads = Executors.newSingleThreadExecutor();
        try {
            final Future<Boolean> slowCheck = threads.submit(() -> watch.tryCheck(() -> {
                checking.countDown();
                try {
                    finish.await();
                } catch (final InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return true;
            }));
            checking.await();

            final AtomicBoolean secondCheckRan = new AtomicBoolean();
            assertFalse(assertTimeoutPreemptively(HANG, () -> watch.tryCheck(() -> {
                secondCheckRan.set(true);
                return true;
            })));
            assertFalse(secondCheckRan.get(), "the other caller goes on without checking");
            assertFalse(assertTimeoutPreemptively(HANG, () -> reloadIfDue(watch, file)));

            // Closing, unlike checking, waits for the running check.
            final AtomicBoolean closed = new AtomicBoolean();
            final Runnable close = () -> closed.set(true);
            final Thread closer = new Thread(() -> watch.exclusively(close));
            closer.start();
            assertTimeoutPreemptively(HANG, () -> {
                while (!(LockSupport.getBlocker(closer) instanceof AbstractQueuedSynchronizer)) {
                    Thread.onSpinWait();
                }
            });
            assertFalse(closed.get());
            finish.countDown();
            assertTrue(slowCheck.get());
            closer.join();
            assertTrue(closed.get());
            assertTrue(watch.tryCheck(() -> true), "the watch checks again once both are done");
        } finally {
            finish.countDown();
            threads.shutdownNow();
        }
    }

    @Test
    void aFileReplacedByAnAtomicMoveWithTheSameSizeAndModificationTimeIsSeen() throws Exception {
        final Path file = Files.writeString(directory.resolve("model.bin"), "version one");
        final FileStamp before = FileStamp.of(file);
        assumeTrue(before.fileKey() != null, "this file system gives files no identity");
        final FileWatch watch = new FileWatch(Duration.ZERO, clock::get, before);

        // Written the way PutFile writes: a complete file renamed into place, here with the same size and modification time.
        final Path staging = Files.writeString(directory.resolve(".model.bin"), "version two");
        Files.setLastModifiedTime(staging, FileTime.from(before.modifiedNanos(), TimeUnit.NANOSECONDS));
        Files.move(staging, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        final FileStamp after = FileStamp.of(file);

        assertEquals(before.size(), after.size());
        assertEquals(before.modifiedNanos(), after.modifiedNanos());
        assertNotEquals(before.fileKey(), after.fileKey());
        assertTrue(reloadIfDue(watch, file));
        assertEquals(1, reloads.get());
    }

    @Test
    void stampsTellNoFileAndAnUnreadableFileApart() throws Exception {
        final Path missing = directory.resolve("missing.bin");
        assertEquals(FileStamp.NONE, FileStamp.of(null));
        assertEquals(FileStamp.UNREADABLE, FileStamp.of(missing));
        assertThrows(NoSuchFileException.class, () -> FileStamp.read(missing));

        final FileWatch watch = new FileWatch(Duration.ZERO, clock::get, FileStamp.NONE, FileStamp.of(missing));
        assertFalse(watch.changed(FileStamp.NONE, FileStamp.of(missing)));
        Files.writeString(missing, "here now");
        assertTrue(watch.changed(FileStamp.NONE, FileStamp.of(missing)), "a file that appears is a change");
        assertEquals(FileStamp.read(missing), FileStamp.of(missing));
    }
}

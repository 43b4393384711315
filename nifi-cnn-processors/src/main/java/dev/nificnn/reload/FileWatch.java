package dev.nificnn.reload;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/** Tells whether the files a model was loaded from changed, checking at most once per interval and one caller at a time. */
public final class FileWatch {

    private final long checkIntervalNanos;
    private final LongSupplier nanoTime;
    private final ReentrantLock checkLock = new ReentrantLock();
    private volatile long nextCheckNanos;
    private volatile List<FileStamp> loaded;
    private volatile List<FileStamp> refused;

    /**
     * Starts the interval now.
     *
     * @param checkInterval how often the files are checked (zero: whenever asked)
     * @param loaded        the stamps of the files the current model was read from, taken before it was read
     */
    public FileWatch(final Duration checkInterval, final FileStamp... loaded) {
        this(checkInterval, System::nanoTime, loaded);
    }

    /** Starts the interval now, reading time from the given clock (nanoseconds, as {@link System#nanoTime()}). */
    FileWatch(final Duration checkInterval, final LongSupplier nanoTime, final FileStamp... loaded) {
        this.checkIntervalNanos = checkInterval.toNanos();
        this.nanoTime = Objects.requireNonNull(nanoTime, "Clock required");
        this.loaded = List.of(loaded);
        this.nextCheckNanos = nanoTime.getAsLong() + checkIntervalNanos;
    }

    /** Whether the check interval has passed since the last check began (or since the watch started). */
    public boolean isCheckDue() {
        return nanoTime.getAsLong() - nextCheckNanos >= 0;
    }

    /**
     * Runs the check and restarts the interval, unless another caller is checking: that caller goes on with the current model
     * instead of waiting for the check.
     *
     * @return the check's result, or false when another caller was checking
     */
    public boolean tryCheck(final BooleanSupplier check) {
        if (!checkLock.tryLock()) {
            return false;
        }
        try {
            nextCheckNanos = nanoTime.getAsLong() + checkIntervalNanos;
            return check.getAsBoolean();
        } finally {
            checkLock.unlock();
        }
    }

    /** Runs the action once no check is running, keeping checks out meanwhile: for closing what the checks reload. */
    public void exclusively(final Runnable action) {
        checkLock.lock();
        try {
            action.run();
        } finally {
            checkLock.unlock();
        }
    }

    /** Whether the files' stamps now differ from those of the loaded model and from those last refused. */
    public boolean changed(final FileStamp... now) {
        final List<FileStamp> stamps = List.of(now);
        return !stamps.equals(loaded) && !stamps.equals(refused);
    }

    /** Records the stamps a newly loaded model was read from; what was refused before may be tried again once it shows up. */
    public void loaded(final FileStamp... stamps) {
        loaded = List.of(stamps);
        refused = null;
    }

    /** Records stamps whose files could not be loaded, so that they are not tried again until they change. */
    public void refused(final FileStamp... stamps) {
        refused = List.of(stamps);
    }

    /**
     * Records the stamps as refused when nothing was refused since the model was loaded: for a failure reported once.
     *
     * @return true when they were recorded, false when an earlier refusal stands
     */
    public boolean firstRefusal(final FileStamp... stamps) {
        if (refused != null) {
            return false;
        }
        refused = List.of(stamps);
        return true;
    }
}

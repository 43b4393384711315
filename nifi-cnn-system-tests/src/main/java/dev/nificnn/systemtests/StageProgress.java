package dev.nificnn.systemtests;

import java.time.Duration;
import java.util.Locale;
import java.util.function.Consumer;

/** One line of progress for a stage of the main job: a bar, done of total, the rate since the stage started and the time left at that rate. */
final class StageProgress {

    private static final int BAR_WIDTH = 30;

    private final String stage;
    private final long total;
    private final long startNanos = System.nanoTime();
    private final long startCount;
    private long finishNanos;

    StageProgress(final String stage, final long total, final long startCount) {
        this.stage = stage;
        this.total = total;
        this.startCount = startCount;
    }

    /** Formats the line for a counter that started at startCount and now reads count. */
    String line(final long count) {
        final long done = Math.max(0, count - startCount);
        if (done >= total && finishNanos == 0) {
            finishNanos = System.nanoTime();
        }
        final double seconds = Math.max(1e-9, seconds());
        final double rate = done / seconds;
        final int filled = total <= 0 ? 0 : (int) Math.min(BAR_WIDTH, BAR_WIDTH * done / total);
        final String eta = rate <= 0 || done >= total ? "-" : duration(Duration.ofSeconds(Math.round((total - done) / rate)));
        return String.format(Locale.ROOT, "  %-9s [%s%s] %,7d / %,d  %6.1f images/s  ETA %s  (%s)", stage, "#".repeat(filled),
                ".".repeat(BAR_WIDTH - filled), done, total, rate, eta, duration(Duration.ofSeconds(Math.round(seconds))));
    }

    /** Prints the line, until the stage is done: its last line is printed once. */
    void report(final long count, final Consumer<String> output) {
        if (finishNanos == 0) {
            output.accept(line(count));
        }
    }

    /** Seconds since the stage started, up to the moment it was seen done. */
    double seconds() {
        return ((finishNanos == 0 ? System.nanoTime() : finishNanos) - startNanos) / 1e9;
    }

    static String duration(final Duration duration) {
        final long seconds = duration.toSeconds();
        return seconds >= 60 ? String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60) : seconds + "s";
    }
}

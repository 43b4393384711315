package dev.nificnn.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The GPU memory this JVM holds, as NVIDIA's driver reports it ({@code nvidia-smi --query-compute-apps}): ONNX Runtime's
 * Java API exposes no figure for its CUDA arena. Asked at most once per {@link #REFRESH_NANOS} (a query takes tens of
 * milliseconds), so that inference processors may ask after every batch. Empty where there is no nvidia-smi, no GPU, or
 * no GPU memory held by this process.
 */
public final class GpuMemoryProbe {

    static final long REFRESH_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final List<String> COMMAND = List.of("nvidia-smi", "--query-compute-apps=pid,used_memory", "--format=csv,noheader,nounits");

    private final long processId;
    private final Supplier<String> query;
    private long askedAt;
    private boolean asked;
    private OptionalLong usedMebibytes = OptionalLong.empty();

    /** A probe of this JVM through nvidia-smi. */
    public GpuMemoryProbe() {
        this(ProcessHandle.current().pid(), GpuMemoryProbe::runNvidiaSmi);
    }

    GpuMemoryProbe(final long processId, final Supplier<String> query) {
        this.processId = processId;
        this.query = query;
    }

    /** MiB of GPU memory this process holds over all GPUs, refreshed at most every five seconds. */
    public synchronized OptionalLong usedMebibytes() {
        final long now = System.nanoTime();
        if (!asked || now - askedAt >= REFRESH_NANOS) {
            asked = true;
            askedAt = now;
            usedMebibytes = parse(query.get(), processId);
        }
        return usedMebibytes;
    }

    /** Sums the used_memory (MiB) of the lines of {@code output} ("pid, used_memory") that belong to {@code processId}. */
    static OptionalLong parse(final String output, final long processId) {
        if (output == null) {
            return OptionalLong.empty();
        }
        long total = 0;
        boolean found = false;
        for (final String line : output.split("\n")) {
            final String[] fields = line.split(",");
            if (fields.length != 2) {
                continue;
            }
            try {
                if (Long.parseLong(fields[0].trim()) == processId) {
                    total += Long.parseLong(fields[1].trim());
                    found = true;
                }
            } catch (final NumberFormatException e) {
                // "[N/A]" and the like: no figure for that process.
            }
        }
        return found ? OptionalLong.of(total) : OptionalLong.empty();
    }

    private static String runNvidiaSmi() {
        try {
            final Process process = new ProcessBuilder(COMMAND).redirectErrorStream(true).start();
            try (InputStream output = process.getInputStream()) {
                final byte[] bytes = output.readNBytes(1 << 20);
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    return null;
                }
                return process.exitValue() == 0 ? new String(bytes, StandardCharsets.UTF_8) : null;
            }
        } catch (final IOException e) {
            return null;
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}

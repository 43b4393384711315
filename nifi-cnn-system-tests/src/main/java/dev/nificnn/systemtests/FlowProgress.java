package dev.nificnn.systemtests;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/** Watches a running process group: waits for an expected output count with nothing left queued, and reads per-processor figures. */
public final class FlowProgress {

    private final NiFiRestClient client;
    private final String groupId;

    public FlowProgress(final NiFiRestClient client, final String groupId) {
        this.client = client;
        this.groupId = groupId;
    }

    /**
     * Waits until the counter reaches the expected value and the group has nothing queued and no thread active (three polls
     * in a row); reports progress every few seconds. Returns the final count; throws with the flow's state on timeout.
     */
    public long await(final LongSupplier counter, final long expected, final Duration timeout, final Consumer<String> progress)
            throws IOException, InterruptedException {
        final long start = System.nanoTime();
        final long deadline = start + timeout.toNanos();
        long count = counter.getAsLong();
        long lastReport = 0;
        int quietPolls = 0;
        while (System.nanoTime() < deadline) {
            count = counter.getAsLong();
            final JsonNode status = client.groupStatus(groupId);
            final int queued = status.path("flowFilesQueued").asInt();
            final boolean idle = queued == 0 && status.path("activeThreadCount").asInt() == 0;
            quietPolls = count >= expected && idle ? quietPolls + 1 : 0;
            if (quietPolls >= 3) {
                return count;
            }
            if (System.nanoTime() - lastReport > Duration.ofSeconds(5).toNanos()) {
                lastReport = System.nanoTime();
                progress.accept(String.format("  %4d s  %d of %d done, %d queued", Duration.ofNanos(lastReport - start).toSeconds(), count, expected, queued));
            }
            Thread.sleep(500);
        }
        final JsonNode status = client.groupStatus(groupId);
        throw new IOException("After " + timeout + ": " + count + " of " + expected + " expected; queued " + status.path("flowFilesQueued").asInt()
                + ", active threads " + status.path("activeThreadCount").asInt() + "; invalid: " + client.validationErrors(groupId)
                + "; bulletins: " + client.bulletins());
    }

    /** For each processor: FlowFiles in and busy seconds over NiFi's status window (the last five minutes). */
    public Map<String, double[]> processorFigures() throws IOException {
        final Map<String, double[]> figures = new LinkedHashMap<>();
        for (final JsonNode processor : client.groupStatus(groupId).path("processorStatusSnapshots")) {
            final JsonNode snapshot = processor.path("processorStatusSnapshot");
            figures.put(snapshot.path("name").asText(), new double[] {
                snapshot.path("flowFilesIn").asDouble(), snapshot.path("tasksDurationNanos").asDouble() / 1e9});
        }
        return figures;
    }

    /**
     * Number of regular files below a folder (0 when it does not exist), not counting hidden files: PutFile writes a
     * dot-file first and renames it, and a file that vanishes while the folder is walked is simply not counted.
     */
    public static long files(final Path folder) {
        if (!Files.isDirectory(folder)) {
            return 0;
        }
        final VisibleFileCounter counter = new VisibleFileCounter();
        try {
            Files.walkFileTree(folder, counter);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        return counter.count;
    }

    /** Files below a folder whose name ends with the suffix, sorted (hidden and vanishing files left out, as above). */
    public static List<Path> files(final Path folder, final String suffix) throws IOException {
        final List<Path> found = new ArrayList<>();
        if (!Files.isDirectory(folder)) {
            return found;
        }
        Files.walkFileTree(folder, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(final Path file, final BasicFileAttributes attributes) {
                final String name = file.getFileName().toString();
                if (attributes.isRegularFile() && !name.startsWith(".") && name.endsWith(suffix)) {
                    found.add(file);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(final Path file, final IOException exception) {
                return FileVisitResult.CONTINUE;
            }
        });
        Collections.sort(found);
        return found;
    }

    /** Counts regular, non-hidden files; a file that vanishes or cannot be read while the tree is walked is not counted. */
    private static final class VisibleFileCounter extends SimpleFileVisitor<Path> {

        private long count;

        @Override
        public FileVisitResult visitFile(final Path file, final BasicFileAttributes attributes) {
            if (attributes.isRegularFile() && !file.getFileName().toString().startsWith(".")) {
                count++;
            }
            return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(final Path file, final IOException exception) {
            return FileVisitResult.CONTINUE;
        }
    }
}

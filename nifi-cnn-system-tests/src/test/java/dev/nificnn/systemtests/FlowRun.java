package dev.nificnn.systemtests;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;

/** Waiting helpers for a flow running in the real NiFi. */
final class FlowRun {

    private FlowRun() {
    }

    /** Waits until the counter reaches the expected value and the group has nothing queued nor running; returns the last count. */
    static long awaitCount(final NiFiRestClient client, final String groupId, final LongSupplier counter, final long expected, final Duration timeout)
            throws IOException, InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        long count = counter.getAsLong();
        int quietPolls = 0;
        while (System.nanoTime() < deadline) {
            count = counter.getAsLong();
            final JsonNode status = client.groupStatus(groupId);
            final boolean idle = status.path("flowFilesQueued").asInt() == 0 && status.path("activeThreadCount").asInt() == 0;
            quietPolls = count >= expected && idle ? quietPolls + 1 : 0;
            if (quietPolls >= 3) {
                return count;
            }
            Thread.sleep(500);
        }
        final JsonNode status = client.groupStatus(groupId);
        throw new AssertionError("After " + timeout + ": " + count + " of " + expected + " expected outputs; queued "
                + status.path("flowFilesQueued").asInt() + ", active threads " + status.path("activeThreadCount").asInt() + "; invalid: " + client.validationErrors(groupId) + "; bulletins: " + client.bulletins());
    }

    static long files(final Path folder) {
        return FlowProgress.files(folder);
    }

    static List<Path> listFiles(final Path folder) throws IOException {
        return FlowProgress.files(folder, "");
    }
}

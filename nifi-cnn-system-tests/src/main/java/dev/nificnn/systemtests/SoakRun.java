package dev.nificnn.systemtests;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Issue point 6 soak: templates/classify-images.json in the local NiFi, with a folder receiving a steady stream of CIFAR-10
 * images (default 20 images/s for 300 s); every 30 s prints the backlog, NiFi's heap and RSS, and finally whether the flow
 * kept up. Not part of CI: run it with {@code bin/nifi-cnn soak [RATE] [SECONDS]}.
 * Arguments: module folder, repository folder, shared data folder, rate, seconds.
 */
public final class SoakRun {

    private SoakRun() {
    }

    public static void main(final String[] arguments) throws Exception {
        final Path module = Path.of(arguments[0]).toAbsolutePath().normalize();
        final Path repository = Path.of(arguments[1]).toAbsolutePath().normalize();
        final Path sharedData = Path.of(arguments[2]).toAbsolutePath().normalize();
        final int rate = Integer.parseInt(arguments.length > 3 ? arguments[3] : "20");
        final int seconds = Integer.parseInt(arguments.length > 4 ? arguments[4] : "300");
        final int total = rate * seconds;

        final Path work = module.resolve("target/soak");
        NiFiAssembly.deleteRecursively(work);
        final Path pool = work.resolve("pool");
        ImageFolderExtractor.extract(sharedData.resolve("cifar10/cifar10-train-jpg.tar.gz"), pool, 0, (total + 9) / 10);
        final List<Path> images;
        try (var files = Files.walk(pool)) {
            images = files.filter(Files::isRegularFile).sorted().toList();
        }
        final Path input = Files.createDirectories(work.resolve("input"));
        final Path output = work.resolve("output");
        final Path failed = work.resolve("failed");

        final int port = Integer.getInteger("nificnn.nifi.port", 18083);
        final LocalNiFi nifi = new LocalNiFi(module, port, System.getProperty("nificnn.nifi.heap", "2g"));
        try {
            final NiFiRestClient client = nifi.start(port, true);
            final String group = client.uploadFlowDefinition(client.rootGroupId(), "classify-images",
                    repository.resolve("templates/classify-images.json"), 0, 0);
            client.setParameters(group, Map.of(
                    "input.directory", input.toString(),
                    "output.directory", output.toString(),
                    "failure.directory", failed.toString(),
                    "model.manifest", repository.resolve("models/squeezenet1.1-shared.json").toString(),
                    "model.directory", sharedData.resolve("models").toString(),
                    "batch.size", "8"));
            client.enableControllerServices(group);
            client.startGroup(group);
            System.out.printf("Soak: %d images/s for %d s into %s; NiFi process %d%n", rate, seconds, input, nifi.process().processId());
            System.out.println("   time  written  classified  backlog  heap used / max       RSS");

            final long start = System.nanoTime();
            long maximumBacklog = 0;
            long maximumRss = 0;
            long rssAfterFirstMinute = -1;
            int written = 0;
            int nextReport = 0;
            while (written < images.size() && written < total) {
                final long due = start + (long) (written * 1e9 / rate);
                final long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                final Path source = images.get(written);
                // Written beside, then renamed: ListFile never sees a half-written image.
                final Path target = input.resolve(source.getParent().getFileName() + "-" + source.getFileName());
                final Path partial = input.resolve("." + target.getFileName());
                Files.copy(source, partial, StandardCopyOption.REPLACE_EXISTING);
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
                written++;
                final long elapsed = (System.nanoTime() - start) / 1_000_000_000L;
                if (elapsed >= nextReport) {
                    final long[] sample = report(client, nifi, elapsed, written, output, failed);
                    maximumBacklog = Math.max(maximumBacklog, sample[0]);
                    maximumRss = Math.max(maximumRss, sample[1]);
                    if (elapsed >= 60 && rssAfterFirstMinute < 0) {
                        rssAfterFirstMinute = sample[1];
                    }
                    nextReport += 30;
                }
            }
            final long feedEnd = System.nanoTime();
            new FlowProgress(client, group).await(() -> FlowProgress.files(output) + FlowProgress.files(failed.resolve("reasons")), written,
                    Duration.ofMinutes(10), line -> { });
            final double drainSeconds = (System.nanoTime() - feedEnd) / 1e9;
            final long[] last = report(client, nifi, (System.nanoTime() - start) / 1_000_000_000L, written, output, failed);
            maximumRss = Math.max(maximumRss, last[1]);
            System.out.printf("%nFed %d images at %d/s; all classified %.1f s after the last one arrived (ListFile polls every 5 s).%n",
                    written, rate, drainSeconds);
            System.out.printf("Largest backlog: %d images; RSS after the first minute %.0f MB, largest %.0f MB; failures: %d%n",
                    maximumBacklog, rssAfterFirstMinute / 1e6, maximumRss / 1e6, FlowProgress.files(failed.resolve("reasons")));
            client.stopGroup(group);
        } finally {
            nifi.process().stop();
        }
    }

    /** Prints one line; returns {backlog, rss}. */
    private static long[] report(final NiFiRestClient client, final LocalNiFi nifi, final long elapsed, final int written, final Path output,
                                 final Path failed) throws IOException {
        final long done = FlowProgress.files(output) + FlowProgress.files(failed.resolve("reasons"));
        final JsonNode diagnostics = client.get("/system-diagnostics").path("systemDiagnostics").path("aggregateSnapshot");
        final long rss = nifi.process().residentSetBytes();
        System.out.printf("  %4d s  %7d  %10d  %7d  %9s / %-9s %6.0f MB%n", elapsed, written, done, written - done,
                diagnostics.path("usedHeap").asText(), diagnostics.path("maxHeap").asText(), rss / 1e6);
        return new long[] {written - done, rss};
    }
}

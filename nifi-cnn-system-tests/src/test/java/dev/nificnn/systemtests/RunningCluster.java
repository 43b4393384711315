package dev.nificnn.systemtests;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

import java.io.IOException;
import java.nio.file.Path;

/**
 * JUnit extension that starts a real 2-node NiFi 2.3.0 cluster and ZooKeeper per test class on free 127.0.0.1 ports, with
 * state and ZooKeeper data wiped first, stops them by their process ids afterwards, and copies every node's logs to
 * target/cluster-logs/&lt;class&gt; when a test failed.
 */
public final class RunningCluster implements BeforeAllCallback, AfterAllCallback, TestWatcher {

    private LocalCluster cluster;
    private boolean failed;

    public LocalCluster cluster() {
        return cluster;
    }

    /** The module's target/ folder. */
    public Path targetDirectory() {
        return cluster.root().getParent();
    }

    @Override
    public void beforeAll(final ExtensionContext context) throws Exception {
        final Path home = Path.of(System.getProperty("nificnn.nifi.assembly", "target/nifi")).toAbsolutePath();
        final Path module = home.getParent().getParent();
        final NiFiAssembly assembly = new NiFiAssembly(home, module);
        cluster = new LocalCluster(home.resolveSibling("cluster"), module, assembly, ClusterPorts.free(2),
                System.getProperty("nificnn.cluster.heap", "1536m"), false, System.out::println);
        cluster.prepare(true);
        try {
            cluster.start();
        } catch (final IOException | InterruptedException | RuntimeException e) {
            keepLogs(context);
            throw e;
        }
    }

    @Override
    public void testFailed(final ExtensionContext context, final Throwable cause) {
        failed = true;
    }

    @Override
    public void afterAll(final ExtensionContext context) throws Exception {
        try {
            if (cluster != null) {
                cluster.stop();
            }
        } finally {
            if (failed || context.getExecutionException().isPresent()) {
                keepLogs(context);
            }
        }
    }

    private void keepLogs(final ExtensionContext context) throws IOException {
        final Path destination = targetDirectory().resolve("cluster-logs").resolve(context.getRequiredTestClass().getSimpleName());
        cluster.keepLogs(destination);
        System.err.println("Cluster logs kept in " + destination);
    }
}

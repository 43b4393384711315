package dev.nificnn.systemtests;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;

/**
 * JUnit extension that starts one real NiFi per test class on a free 127.0.0.1 port (or nificnn.nifi.port),
 * stops it by its process id afterwards, and copies NiFi's logs to target/nifi-logs/&lt;class&gt; when a test failed.
 */
public final class RunningNiFi implements BeforeAllCallback, AfterAllCallback, TestWatcher {

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(Long.getLong("nificnn.nifi.startup.seconds", 300));

    private NiFiAssembly assembly;
    private NiFiProcess process;
    private NiFiRestClient client;
    private boolean failed;

    public NiFiRestClient client() {
        return client;
    }

    public NiFiProcess process() {
        return process;
    }

    public NiFiAssembly assembly() {
        return assembly;
    }

    /** The module's target/ folder. */
    public Path targetDirectory() {
        return assembly.home().getParent();
    }

    @Override
    public void beforeAll(final ExtensionContext context) throws Exception {
        final Path home = Path.of(System.getProperty("nificnn.nifi.assembly", "target/nifi"));
        assembly = new NiFiAssembly(home, home.toAbsolutePath().getParent().getParent());
        final int port = Integer.getInteger("nificnn.nifi.port", freeLoopbackPort());
        assembly.prepare(port);
        assembly.reset();
        process = new NiFiProcess(assembly.home(), port, System.getProperty("nificnn.nifi.heap", "3g"));
        try {
            process.start(STARTUP_TIMEOUT);
        } catch (final IOException e) {
            keepLogs(context);
            throw e;
        }
        client = new NiFiRestClient(process.baseUrl());
    }

    /** Stops and starts the same NiFi (same home, same flow and repositories). */
    public void restart() throws IOException, InterruptedException {
        process.stop();
        process.start(STARTUP_TIMEOUT);
    }

    @Override
    public void testFailed(final ExtensionContext context, final Throwable cause) {
        failed = true;
    }

    @Override
    public void afterAll(final ExtensionContext context) throws Exception {
        try {
            if (process != null) {
                process.stop();
            }
        } finally {
            if (failed || context.getExecutionException().isPresent()) {
                keepLogs(context);
            }
        }
    }

    private void keepLogs(final ExtensionContext context) throws IOException {
        final Path destination = assembly.home().getParent().resolve("nifi-logs").resolve(context.getRequiredTestClass().getSimpleName());
        assembly.keepLogs(destination);
        System.err.println("NiFi logs kept in " + destination);
    }

    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    static long countFiles(final Path folder) {
        return FlowProgress.files(folder);
    }
}

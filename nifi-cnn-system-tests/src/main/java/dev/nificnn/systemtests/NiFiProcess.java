package dev.nificnn.systemtests;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A NiFi JVM started with {@code org.apache.nifi.NiFi} (no bootstrap) from a prepared home, stopped by its own process id. */
public final class NiFiProcess {

    /** JVM flags NiFi 2.3 on Java 21+ needs, plus those the ONNX Runtime and ND4J natives of nifi-cnn need. */
    public static final List<String> JVM_FLAGS = List.of(
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow",
            "-Djava.awt.headless=true",
            "-Djava.net.preferIPv4Stack=true",
            "-Djava.protocol.handler.pkgs=sun.net.www.protocol",
            "-Dzookeeper.admin.enableServer=false");

    private static final String PID_FILE = "run/nifi.pid";

    private final Path home;
    private final int httpPort;
    private final String maximumHeap;
    private final List<String> extraArguments = new ArrayList<>();
    private Process process;
    private long processId = -1;
    private boolean detached;

    public NiFiProcess(final Path home, final int httpPort, final String maximumHeap) {
        this.home = home.toAbsolutePath().normalize();
        this.httpPort = httpPort;
        this.maximumHeap = maximumHeap;
    }

    /** Starts NiFi in its own session (setsid) so that it outlives the launching command and its terminal's Ctrl-C. */
    public NiFiProcess detached() {
        this.detached = Files.isExecutable(Path.of("/usr/bin/setsid"));
        return this;
    }

    /** Adds a JVM argument (e.g. a system property) to every later start. */
    public NiFiProcess withJvmArgument(final String argument) {
        extraArguments.add(argument);
        return this;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    public long processId() {
        return processId;
    }

    /** Starts NiFi and waits until its REST API answers; on failure stops it and names the log to read. */
    public void start(final Duration startupTimeout) throws IOException, InterruptedException {
        final Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        final List<String> command = new ArrayList<>();
        if (detached) {
            // setsid execs in place when its caller is not a group leader, so the recorded process id is NiFi's own
            command.add("/usr/bin/setsid");
        }
        command.add(java.toString());
        command.add("-Xms512m");
        command.add("-Xmx" + maximumHeap);
        command.addAll(JVM_FLAGS);
        command.addAll(extraArguments);
        command.add("-Dnifi.properties.file.path=" + home.resolve("conf/nifi.properties"));
        command.add("-Dlogback.configurationFile=" + home.resolve("conf/logback.xml"));
        command.add("-Dorg.bytedeco.javacpp.cachedir=" + home.resolve("work/javacpp"));
        command.add("-cp");
        command.add(home.resolve("conf") + ":" + home.resolve("lib") + "/*");
        command.add("org.apache.nifi.NiFi");

        Files.createDirectories(home.resolve("logs"));
        Files.createDirectories(home.resolve("run"));
        final ProcessBuilder builder = new ProcessBuilder(command)
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("logs/nifi-console.log").toFile()));
        builder.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        process = builder.start();
        processId = process.pid();
        Files.writeString(home.resolve(PID_FILE), Long.toString(processId));

        final long deadline = System.nanoTime() + startupTimeout.toNanos();
        final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        final HttpRequest about = HttpRequest.newBuilder(URI.create(baseUrl() + "/nifi-api/flow/about"))
                .timeout(Duration.ofSeconds(5)).GET().build();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("NiFi exited with code " + process.exitValue() + " during start-up; see " + home.resolve("logs"));
            }
            try {
                final HttpResponse<String> response = client.send(about, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (final IOException notYetListening) {
                // NiFi opens its HTTP port only once the flow controller is up
            }
            Thread.sleep(1000);
        }
        stop();
        throw new IOException("NiFi did not answer on " + baseUrl() + " within " + startupTimeout + "; see " + home.resolve("logs"));
    }

    /** Stops NiFi gracefully (SIGTERM runs its shutdown hook), then forcibly after the grace period. */
    public void stop() throws InterruptedException, IOException {
        if (process != null) {
            stopProcess(process.toHandle(), Duration.ofSeconds(60));
            process = null;
        }
        Files.deleteIfExists(home.resolve(PID_FILE));
    }

    /**
     * Kills NiFi at once by its process id (SIGKILL: no shutdown hook, nothing flushed that NiFi had not written), as a lost node
     * dies; the home keeps its repositories for a later {@link #start}.
     */
    public void kill() throws InterruptedException, IOException {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.onExit().get(30, TimeUnit.SECONDS);
            } catch (final ExecutionException | TimeoutException e) {
                throw new IOException("NiFi process " + processId + " did not end after SIGKILL", e);
            }
            process = null;
        }
    }

    /** Whether the process this object started is running. */
    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Stops the NiFi whose process id is recorded in the home's run/nifi.pid (the demo's stop command). */
    public static boolean stopRecorded(final Path home) throws IOException, InterruptedException {
        final Path pidFile = home.resolve(PID_FILE);
        if (!Files.exists(pidFile)) {
            return false;
        }
        final long pid = Long.parseLong(Files.readString(pidFile).trim());
        final Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        boolean stopped = false;
        if (handle.isPresent() && handle.get().info().commandLine().orElse("").contains("org.apache.nifi.NiFi")) {
            stopProcess(handle.get(), Duration.ofSeconds(60));
            stopped = true;
        }
        Files.deleteIfExists(pidFile);
        return stopped;
    }

    private static void stopProcess(final ProcessHandle handle, final Duration grace) throws InterruptedException {
        if (!handle.isAlive()) {
            return;
        }
        handle.destroy();
        try {
            handle.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (final ExecutionException | TimeoutException e) {
            handle.destroyForcibly();
            try {
                handle.onExit().get(10, TimeUnit.SECONDS);
            } catch (final ExecutionException | TimeoutException ignored) {
                // nothing more can be done than a SIGKILL
            }
        }
    }

    /** Resident set size of the NiFi process in bytes, read from /proc (Linux), or -1. */
    public long residentSetBytes() {
        try {
            for (final String line : Files.readAllLines(Path.of("/proc", Long.toString(processId), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (final IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}

package dev.nificnn.systemtests;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A standalone ZooKeeper 3.9.3 ({@code ZooKeeperServerMain}) on 127.0.0.1 for the cluster's leader election and cluster state,
 * run from the jars inside NiFi's own nifi-framework-nar and stopped by its own process id.
 */
public final class ZooKeeperProcess {

    private static final String PID_FILE = "run/zookeeper.pid";
    /** The jars ZooKeeperServerMain needs from the framework NAR's bundled dependencies (slf4j and logback come from NiFi's lib/). */
    private static final List<String> JAR_PREFIXES = List.of("zookeeper-3", "zookeeper-jute-", "audience-annotations-", "commons-io-",
            "metrics-core-", "netty-buffer-", "netty-codec-4", "netty-common-", "netty-handler-", "netty-resolver-", "netty-transport-4",
            "netty-transport-classes-epoll-", "netty-transport-native-unix-common-", "snappy-java-");

    private final Path home;
    private final Path nifiLib;
    private final int clientPort;
    private Process process;

    /**
     * @param home     ZooKeeper's own folder (lib/, conf/, data/, logs/, run/)
     * @param nifiLib  the assembled NiFi's lib/ (holds nifi-framework-nar and logback)
     */
    public ZooKeeperProcess(final Path home, final Path nifiLib, final int clientPort) {
        this.home = home.toAbsolutePath().normalize();
        this.nifiLib = nifiLib.toAbsolutePath().normalize();
        this.clientPort = clientPort;
    }

    public Path home() {
        return home;
    }

    public int clientPort() {
        return clientPort;
    }

    public String connectString() {
        return "127.0.0.1:" + clientPort;
    }

    public long processId() {
        return process == null ? -1 : process.pid();
    }

    /** Extracts the jars when missing and writes zoo.cfg and the log configuration. */
    public void prepare() throws IOException {
        final Path lib = Files.createDirectories(home.resolve("lib"));
        final Path frameworkNar = nifiLib.resolve("nifi-framework-nar-2.3.0.nar");
        try (ZipFile nar = new ZipFile(frameworkNar.toFile())) {
            final Enumeration<? extends ZipEntry> entries = nar.entries();
            while (entries.hasMoreElements()) {
                final ZipEntry entry = entries.nextElement();
                final String name = entry.getName().substring(entry.getName().lastIndexOf('/') + 1);
                if (entry.getName().startsWith("META-INF/bundled-dependencies/") && name.endsWith(".jar")
                        && JAR_PREFIXES.stream().anyMatch(name::startsWith) && !Files.exists(lib.resolve(name))) {
                    try (InputStream input = nar.getInputStream(entry)) {
                        Files.copy(input, lib.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        }
        final Path conf = Files.createDirectories(home.resolve("conf"));
        Files.createDirectories(home.resolve("data"));
        Files.createDirectories(home.resolve("logs"));
        Files.writeString(conf.resolve("zoo.cfg"), String.join("\n",
                "# Standalone ZooKeeper for the nifi-cnn cluster: no server.N line, loopback only.",
                "tickTime=2000",
                "initLimit=10",
                "syncLimit=5",
                "dataDir=" + home.resolve("data"),
                "clientPort=" + clientPort,
                "clientPortAddress=127.0.0.1",
                "maxClientCnxns=60",
                "admin.enableServer=false",
                "4lw.commands.whitelist=ruok,srvr",
                "autopurge.purgeInterval=1",
                ""));
        Files.writeString(conf.resolve("logback.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <configuration scan="false">
                    <appender name="FILE" class="ch.qos.logback.core.FileAppender">
                        <file>logs/zookeeper.log</file>
                        <encoder><pattern>%date %level [%thread] %logger{40} %msg%n</pattern></encoder>
                    </appender>
                    <root level="INFO"><appender-ref ref="FILE"/></root>
                </configuration>
                """);
    }

    /** Removes ZooKeeper's data (the cluster's membership, elections and state) so that the next start begins empty. */
    public void reset() throws IOException {
        NiFiAssembly.deleteRecursively(home.resolve("data"));
        NiFiAssembly.deleteRecursively(home.resolve("logs"));
        Files.createDirectories(home.resolve("data"));
        Files.createDirectories(home.resolve("logs"));
    }

    /** Starts ZooKeeper and waits until it answers "imok"; optionally in its own session so that it outlives the launcher. */
    public void start(final Duration timeout, final boolean detached) throws IOException, InterruptedException {
        final List<String> command = new ArrayList<>();
        if (detached && Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            command.add("/usr/bin/setsid");
        }
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.add("-Dzookeeper.admin.enableServer=false");
        command.add("-Dlogback.configurationFile=" + home.resolve("conf/logback.xml"));
        command.add("-cp");
        command.add(home.resolve("lib") + "/*:" + nifiLib.resolve("slf4j-api-2.0.17.jar") + ":" + nifiLib.resolve("logback-classic-1.5.17.jar")
                + ":" + nifiLib.resolve("logback-core-1.5.17.jar"));
        command.add("org.apache.zookeeper.server.ZooKeeperServerMain");
        command.add(home.resolve("conf/zoo.cfg").toString());
        Files.createDirectories(home.resolve("run"));
        process = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("logs/zookeeper-console.log").toFile())).start();
        Files.writeString(home.resolve(PID_FILE), Long.toString(process.pid()));
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("ZooKeeper exited with code " + process.exitValue() + "; see " + home.resolve("logs"));
            }
            if ("imok".equals(fourLetterWord("ruok"))) {
                return;
            }
            Thread.sleep(500);
        }
        stop();
        throw new IOException("ZooKeeper did not answer on " + connectString() + " within " + timeout + "; see " + home.resolve("logs"));
    }

    /** Stops ZooKeeper by its process id (SIGTERM, then SIGKILL). */
    public void stop() throws IOException, InterruptedException {
        if (process != null) {
            stopProcess(process.toHandle());
            process = null;
        }
        Files.deleteIfExists(home.resolve(PID_FILE));
    }

    /** Stops the ZooKeeper whose process id is recorded in the home (the cluster's stop command); false when none ran. */
    public static boolean stopRecorded(final Path home) throws IOException, InterruptedException {
        final Path pidFile = home.resolve(PID_FILE);
        if (!Files.exists(pidFile)) {
            return false;
        }
        final Optional<ProcessHandle> handle = ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim()));
        boolean stopped = false;
        if (handle.isPresent() && handle.get().info().commandLine().orElse("").contains("ZooKeeperServerMain")) {
            stopProcess(handle.get());
            stopped = true;
        }
        Files.deleteIfExists(pidFile);
        return stopped;
    }

    private String fourLetterWord(final String word) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), clientPort), 2000);
            socket.setSoTimeout(5000);
            final OutputStream output = socket.getOutputStream();
            output.write(word.getBytes(StandardCharsets.US_ASCII));
            output.flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        } catch (final IOException notYetListening) {
            return "";
        }
    }

    private static void stopProcess(final ProcessHandle handle) throws InterruptedException {
        if (!handle.isAlive()) {
            return;
        }
        handle.destroy();
        try {
            handle.onExit().get(30, TimeUnit.SECONDS);
        } catch (final ExecutionException | TimeoutException e) {
            handle.destroyForcibly();
            try {
                handle.onExit().get(10, TimeUnit.SECONDS);
            } catch (final ExecutionException | TimeoutException ignored) {
                // nothing more can be done than a SIGKILL
            }
        }
    }
}

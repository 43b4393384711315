package dev.nificnn.systemtests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A NiFi 2.3.0 cluster on this host: one standalone ZooKeeper and N nodes (each its own home under &lt;root&gt;/node-&lt;n&gt;),
 * all on 127.0.0.1, all started and stopped by the process ids this object launched.
 */
public final class LocalCluster {

    public static final Duration NODE_STARTUP_TIMEOUT = Duration.ofSeconds(Long.getLong("nificnn.nifi.startup.seconds", 300));
    public static final Duration JOIN_TIMEOUT = Duration.ofMinutes(5);

    private final Path root;
    private final Path moduleDirectory;
    private final NiFiAssembly assembly;
    private final ZooKeeperProcess zooKeeper;
    private final List<ClusterNodeHome> homes = new ArrayList<>();
    private final List<NiFiProcess> processes = new ArrayList<>();
    private final Consumer<String> progress;
    private final boolean detached;

    /**
     * @param root where the cluster lives (zookeeper/, node-1/, node-2/), e.g. nifi-cnn-system-tests/target/cluster
     * @param assembly the assembled NiFi whose lib/ and extensions/ every node gets
     */
    public LocalCluster(final Path root, final Path moduleDirectory, final NiFiAssembly assembly, final ClusterPorts ports, final String heap,
                        final boolean detached, final Consumer<String> progress) {
        this.root = root.toAbsolutePath().normalize();
        this.moduleDirectory = moduleDirectory.toAbsolutePath().normalize();
        this.assembly = assembly;
        this.progress = progress;
        this.detached = detached;
        this.zooKeeper = new ZooKeeperProcess(this.root.resolve("zookeeper"), assembly.home().resolve("lib"), ports.zooKeeper());
        for (int index = 0; index < ports.nodes().size(); index++) {
            final ClusterNodeHome home = new ClusterNodeHome(this.root.resolve("node-" + (index + 1)), ports.nodes().get(index), zooKeeper.connectString());
            homes.add(home);
            final NiFiProcess process = new NiFiProcess(home.home(), home.ports().http(), heap)
                    .withJvmArgument("-Dorg.apache.nifi.management.server.address=127.0.0.1:" + home.ports().management());
            processes.add(detached ? process.detached() : process);
        }
    }

    public Path root() {
        return root;
    }

    public int size() {
        return homes.size();
    }

    public ClusterNodeHome home(final int index) {
        return homes.get(index);
    }

    public NiFiProcess process(final int index) {
        return processes.get(index);
    }

    public ZooKeeperProcess zooKeeper() {
        return zooKeeper;
    }

    /** A REST client of the node (any connected node serves the whole cluster's API). */
    public NiFiRestClient client(final int index) {
        return new NiFiRestClient(processes.get(index).baseUrl());
    }

    /** address:apiPort of the node, as the cluster's per-node figures name it. */
    public String nodeName(final int index) {
        return "127.0.0.1:" + homes.get(index).ports().http();
    }

    /** Writes every home; with fresh, also empties flows, repositories, state and ZooKeeper's data (what the nodes remember of the cluster). */
    public void prepare(final boolean fresh) throws IOException, InterruptedException {
        assembly.prepare(homes.getFirst().ports().http());
        zooKeeper.prepare();
        for (final ClusterNodeHome home : homes) {
            home.prepare(assembly, moduleDirectory);
        }
        if (fresh) {
            stopRecorded();
            zooKeeper.reset();
            for (final ClusterNodeHome home : homes) {
                home.reset();
            }
        }
    }

    /**
     * Starts ZooKeeper, then the nodes one after the other (two cold NAR unpacks at once on two cores are slow), and waits until
     * the cluster summary reports every node connected. On failure stops whatever it started.
     */
    public void start() throws IOException, InterruptedException {
        Files.createDirectories(root);
        final long started = System.nanoTime();
        try {
            zooKeeper.start(Duration.ofMinutes(2), detached);
            progress.accept("ZooKeeper is up on " + zooKeeper.connectString() + " (process " + zooKeeper.processId() + ")");
            for (int index = 0; index < processes.size(); index++) {
                startNode(index);
            }
            new ClusterStatus(client(0)).awaitConnectedNodes(processes.size(), JOIN_TIMEOUT);
            progress.accept("Cluster of " + processes.size() + " nodes connected after " + Duration.ofNanos(System.nanoTime() - started).toSeconds() + " s");
        } catch (final IOException | InterruptedException | RuntimeException e) {
            stop();
            throw e;
        }
    }

    /** Starts one node (again, after a stop or a kill) and waits until its REST API answers. */
    public void startNode(final int index) throws IOException, InterruptedException {
        processes.get(index).start(NODE_STARTUP_TIMEOUT);
        progress.accept("Node " + (index + 1) + " answers at " + processes.get(index).baseUrl() + "/nifi/ (process "
                + processes.get(index).processId() + ")");
    }

    /** Kills one node by its process id (SIGKILL), as a lost node dies. */
    public void killNode(final int index) throws IOException, InterruptedException {
        final long pid = processes.get(index).processId();
        processes.get(index).kill();
        progress.accept("Node " + (index + 1) + " killed (SIGKILL to process " + pid + ")");
    }

    /** Stops every node, then ZooKeeper, each by its process id; the first failure is thrown after all were tried. */
    public void stop() throws IOException, InterruptedException {
        IOException failure = null;
        for (int index = processes.size() - 1; index >= 0; index--) {
            try {
                processes.get(index).stop();
            } catch (final IOException e) {
                failure = failure == null ? e : failure;
            }
        }
        zooKeeper.stop();
        if (failure != null) {
            throw failure;
        }
    }

    /** Stops the nodes and ZooKeeper recorded in the homes' pid files (a cluster an earlier command left running); true when any ran. */
    public boolean stopRecorded() throws IOException, InterruptedException {
        boolean stopped = false;
        for (final ClusterNodeHome home : homes) {
            stopped |= NiFiProcess.stopRecorded(home.home());
        }
        stopped |= ZooKeeperProcess.stopRecorded(zooKeeper.home());
        return stopped;
    }

    /** Copies every node's and ZooKeeper's logs to destination/node-n and destination/zookeeper. */
    public void keepLogs(final Path destination) throws IOException {
        for (int index = 0; index < homes.size(); index++) {
            homes.get(index).keepLogs(destination.resolve("node-" + (index + 1)));
        }
        NiFiAssembly.copyLogs(zooKeeper.home().resolve("logs"), destination.resolve("zookeeper"));
    }
}

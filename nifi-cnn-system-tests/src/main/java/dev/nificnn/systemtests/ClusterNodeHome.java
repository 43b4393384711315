package dev.nificnn.systemtests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The home of one node of the local cluster (conf, repositories, state, work, logs of its own), made from the assembled NiFi:
 * its lib/ and extensions/ are hard links to the assembly's files (the same official jars and NARs, this bundle included, without
 * copying 230 MB per node), its nifi.properties the module's with the cluster settings below.
 */
public final class ClusterNodeHome {

    /** The module's conf/ files a node takes unchanged. */
    private static final List<String> COPIED_CONF = List.of("logback.xml");
    private static final List<String> STATE_DIRECTORIES = List.of(
            "flowfile_repository", "content_repository", "provenance_repository", "database_repository", "state", "logs");

    private final Path home;
    private final ClusterPorts.Node ports;
    private final String zooKeeperConnect;

    public ClusterNodeHome(final Path home, final ClusterPorts.Node ports, final String zooKeeperConnect) {
        this.home = home.toAbsolutePath().normalize();
        this.ports = ports;
        this.zooKeeperConnect = zooKeeperConnect;
    }

    public Path home() {
        return home;
    }

    public ClusterPorts.Node ports() {
        return ports;
    }

    /**
     * The cluster settings each node gets on top of the module's nifi.properties. Timeouts are generous: two NiFi JVMs and
     * ONNX Runtime share two cores here, and a busy node must not be disconnected for a late heartbeat.
     */
    public Map<String, String> clusterProperties() {
        final Map<String, String> properties = new LinkedHashMap<>();
        properties.put("nifi.web.http.host", "127.0.0.1");
        properties.put("nifi.web.http.port", Integer.toString(ports.http()));
        properties.put("nifi.state.management.provider.cluster", "zk-provider");
        properties.put("nifi.state.management.embedded.zookeeper.start", "false");
        properties.put("nifi.cluster.is.node", "true");
        properties.put("nifi.cluster.protocol.is.secure", "false");
        properties.put("nifi.cluster.protocol.heartbeat.interval", "5 sec");
        properties.put("nifi.cluster.protocol.heartbeat.missable.max", "8");
        properties.put("nifi.cluster.node.address", "127.0.0.1");
        properties.put("nifi.cluster.node.protocol.port", Integer.toString(ports.protocol()));
        properties.put("nifi.cluster.node.connection.timeout", "10 sec");
        properties.put("nifi.cluster.node.read.timeout", "30 sec");
        // Nodes start one after the other on a fresh cluster: the first one's (empty) flow is elected at once, the second inherits it.
        properties.put("nifi.cluster.flow.election.max.candidates", "1");
        properties.put("nifi.cluster.flow.election.max.wait.time", "30 secs");
        properties.put("nifi.cluster.load.balance.host", "127.0.0.1");
        properties.put("nifi.cluster.load.balance.port", Integer.toString(ports.loadBalance()));
        properties.put("nifi.zookeeper.connect.string", zooKeeperConnect);
        properties.put("nifi.zookeeper.connect.timeout", "10 secs");
        properties.put("nifi.zookeeper.session.timeout", "30 secs");
        properties.put("nifi.zookeeper.root.node", "/nifi-cnn");
        return properties;
    }

    /** Writes conf/ and links lib/ and extensions/ to the assembly's files (copies where a hard link is impossible). */
    public void prepare(final NiFiAssembly assembly, final Path moduleDirectory) throws IOException {
        linkFolder(assembly.home().resolve("lib"), home.resolve("lib"));
        linkFolder(assembly.home().resolve("extensions"), home.resolve("extensions"));
        final Path conf = Files.createDirectories(home.resolve("conf"));
        for (final String name : COPIED_CONF) {
            Files.copy(moduleDirectory.resolve("conf").resolve(name), conf.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
        Files.write(conf.resolve("nifi.properties"), withProperties(Files.readAllLines(moduleDirectory.resolve("conf/nifi.properties")),
                clusterProperties()));
        Files.writeString(conf.resolve("state-management.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <!-- Local state under the node's home; cluster state (ListImageDataset's, ListFile's on the primary node) in ZooKeeper. -->
                <stateManagement>
                    <local-provider>
                        <id>local-provider</id>
                        <class>org.apache.nifi.controller.state.providers.local.WriteAheadLocalStateProvider</class>
                        <property name="Directory">./state/local</property>
                        <property name="Always Sync">false</property>
                        <property name="Partitions">16</property>
                        <property name="Checkpoint Interval">2 mins</property>
                    </local-provider>
                    <cluster-provider>
                        <id>zk-provider</id>
                        <class>org.apache.nifi.controller.state.providers.zookeeper.ZooKeeperStateProvider</class>
                        <property name="Connect String">%s</property>
                        <property name="Root Node">/nifi-cnn</property>
                        <property name="Session Timeout">30 seconds</property>
                        <property name="Access Control">Open</property>
                    </cluster-provider>
                </stateManagement>
                """.formatted(zooKeeperConnect));
        Files.createDirectories(home.resolve("autoload"));
        Files.createDirectories(home.resolve("logs"));
    }

    /** Removes the flow, repositories, state (cluster membership included) and logs; the unpacked NARs in work/ are kept. */
    public void reset() throws IOException {
        Files.deleteIfExists(home.resolve("conf/flow.json.gz"));
        for (final String name : STATE_DIRECTORIES) {
            NiFiAssembly.deleteRecursively(home.resolve(name));
        }
        Files.createDirectories(home.resolve("logs"));
    }

    /** Copies the node's logs into the folder (kept when a test fails). */
    public void keepLogs(final Path destination) throws IOException {
        NiFiAssembly.copyLogs(home.resolve("logs"), destination);
    }

    /** Replaces the values of present keys and appends the missing ones. */
    static List<String> withProperties(final List<String> lines, final Map<String, String> overrides) {
        final Map<String, String> missing = new LinkedHashMap<>(overrides);
        final List<String> result = new ArrayList<>(lines.size() + overrides.size());
        for (final String line : lines) {
            final int equals = line.indexOf('=');
            final String key = equals > 0 && !line.startsWith("#") ? line.substring(0, equals).trim() : null;
            if (key != null && overrides.containsKey(key)) {
                result.add(key + "=" + overrides.get(key));
                missing.remove(key);
            } else {
                result.add(line);
            }
        }
        if (!missing.isEmpty()) {
            result.add("");
            result.add("# Cluster settings of this node (ClusterNodeHome)");
            missing.forEach((key, value) -> result.add(key + "=" + value));
        }
        return result;
    }

    private static void linkFolder(final Path source, final Path target) throws IOException {
        Files.createDirectories(target);
        final List<String> wanted = new ArrayList<>();
        try (Stream<Path> files = Files.list(source)) {
            for (final Path file : files.filter(Files::isRegularFile).filter(file -> !file.getFileName().toString().endsWith(".part")).toList()) {
                final Path link = target.resolve(file.getFileName());
                wanted.add(file.getFileName().toString());
                if (Files.exists(link) && Files.isSameFile(link, file)) {
                    continue;
                }
                Files.deleteIfExists(link);
                try {
                    Files.createLink(link, file);
                } catch (final IOException | UnsupportedOperationException e) {
                    Files.copy(file, link);
                }
            }
        }
        // A NAR left from an earlier build would be loaded beside the new one.
        try (Stream<Path> files = Files.list(target)) {
            for (final Path file : files.filter(Files::isRegularFile).toList()) {
                if (!wanted.contains(file.getFileName().toString())) {
                    Files.delete(file);
                }
            }
        }
    }
}

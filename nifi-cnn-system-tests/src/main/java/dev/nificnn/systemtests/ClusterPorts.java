package dev.nificnn.systemtests;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** The ports of the local 2-node cluster: ZooKeeper's client port and, per node, web (HTTP), cluster protocol and load balance. */
public record ClusterPorts(int zooKeeper, List<Node> nodes) {

    /** One node's ports; management is NiFi's health-check server (default 52020, which two nodes on one host cannot share). */
    public record Node(int http, int protocol, int loadBalance, int management) {
    }

    /**
     * The main job's ports (bin/nifi-cnn cluster), clear of the single-node NiFi's 18080 and 52020: web 18091/18092, cluster
     * protocol 18191/18192, load balance 18291/18292, management 18391/18392, ZooKeeper 21818.
     */
    public static ClusterPorts defaults() {
        return new ClusterPorts(21818, List.of(new Node(18091, 18191, 18291, 18391), new Node(18092, 18192, 18292, 18392)));
    }

    /** Free ports for a test run, so that it never collides with a cluster or NiFi already running on this machine. */
    public static ClusterPorts free(final int nodeCount) throws IOException {
        final List<ServerSocket> held = new ArrayList<>();
        try {
            final int zooKeeper = hold(held);
            final List<Node> nodes = new ArrayList<>();
            for (int index = 0; index < nodeCount; index++) {
                nodes.add(new Node(hold(held), hold(held), hold(held), hold(held)));
            }
            return new ClusterPorts(zooKeeper, List.copyOf(nodes));
        } finally {
            for (final ServerSocket socket : held) {
                socket.close();
            }
        }
    }

    private static int hold(final List<ServerSocket> held) throws IOException {
        // Held open until all are chosen, so that no port is handed out twice.
        final ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        held.add(socket);
        return socket.getLocalPort();
    }
}

package dev.nificnn.systemtests;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What the cluster's REST API says about its nodes: membership, roles, and per-node counters (nodewise=true). */
public final class ClusterStatus {

    /** A node as /controller/cluster lists it. */
    public record Member(String nodeId, String address, int apiPort, String status, List<String> roles) {

        /** address:apiPort, the name per-node figures are keyed by. */
        public String name() {
            return address + ":" + apiPort;
        }
    }

    private final NiFiRestClient client;

    public ClusterStatus(final NiFiRestClient client) {
        this.client = client;
    }

    /** clusterSummary.connectedNodeCount, or -1 while the node cannot answer (starting, or no coordinator yet). */
    public int connectedNodeCount() {
        try {
            final JsonNode summary = client.get("/flow/cluster/summary").path("clusterSummary");
            return summary.path("connectedToCluster").asBoolean() ? summary.path("connectedNodeCount").asInt() : -1;
        } catch (final IOException e) {
            return -1;
        }
    }

    /** The cluster's nodes with status and roles ("Primary Node", "Cluster Coordinator"). */
    public List<Member> members() throws IOException {
        final List<Member> members = new ArrayList<>();
        for (final JsonNode node : client.get("/controller/cluster").path("cluster").path("nodes")) {
            final List<String> roles = new ArrayList<>();
            node.path("roles").forEach(role -> roles.add(role.asText()));
            members.add(new Member(node.path("nodeId").asText(), node.path("address").asText(), node.path("apiPort").asInt(),
                    node.path("status").asText(), roles));
        }
        return members;
    }

    /** Waits until the summary reports the count of connected nodes (polled; two busy cores make joining slow). */
    public void awaitConnectedNodes(final int count, final Duration timeout) throws IOException, InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        int connected = -1;
        while (System.nanoTime() < deadline) {
            connected = connectedNodeCount();
            if (connected == count) {
                return;
            }
            Thread.sleep(1000);
        }
        throw new IOException("The cluster reported " + connected + " connected nodes, not " + count + ", after " + timeout + ": " + membersSafely());
    }

    /** Waits until /controller/cluster shows the node (address:apiPort) in the given status, e.g. DISCONNECTED after it died. */
    public void awaitMemberStatus(final String name, final String status, final Duration timeout) throws IOException, InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (final Member member : membersSafely()) {
                if (member.name().equals(name) && member.status().equals(status)) {
                    return;
                }
            }
            Thread.sleep(1000);
        }
        throw new IOException("Node " + name + " not " + status + " after " + timeout + ": " + membersSafely());
    }

    /**
     * A counter per node (address:apiPort), for one component: the counter's context is "name (component id)" on every node,
     * and component ids are the same cluster-wide. Nodes that have not counted yet are 0.
     */
    public Map<String, Long> counterByNode(final String componentId, final String counterName) throws IOException {
        final Map<String, Long> values = new TreeMap<>();
        for (final JsonNode node : client.get("/counters?nodewise=true").path("counters").path("nodeSnapshots")) {
            long total = 0;
            for (final JsonNode counter : node.path("snapshot").path("counters")) {
                if (counterName.equals(counter.path("name").asText()) && counter.path("context").asText().contains(componentId)) {
                    total += counter.path("valueCount").asLong();
                }
            }
            values.put(node.path("address").asText() + ":" + node.path("apiPort").asInt(), total);
        }
        return values;
    }

    private List<Member> membersSafely() {
        try {
            return members();
        } catch (final IOException e) {
            // No coordinator answers while one is being elected: asked again at the next poll.
            return List.of();
        }
    }
}

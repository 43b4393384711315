package dev.nificnn.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A small client of NiFi's REST API (plain HTTP, no authentication) for importing, configuring and running flows. */
public final class NiFiRestClient {

    private final String api;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper mapper = new ObjectMapper();
    private final String clientId = UUID.randomUUID().toString();

    public NiFiRestClient(final String baseUrl) {
        this.api = baseUrl + "/nifi-api";
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    public String rootGroupId() throws IOException {
        return get("/flow/process-groups/root").path("processGroupFlow").path("id").asText();
    }

    /** Imports a flow definition (as NiFi's "Download flow definition" writes it) as a new child process group. */
    public String uploadFlowDefinition(final String parentGroupId, final String groupName, final Path flowDefinition, final double x, final double y)
            throws IOException {
        final String boundary = "----nificnn" + UUID.randomUUID();
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        final Map<String, String> fields = new LinkedHashMap<>();
        fields.put("groupName", groupName);
        fields.put("positionX", Double.toString(x));
        fields.put("positionY", Double.toString(y));
        fields.put("clientId", clientId);
        fields.put("disconnectedNodeAcknowledged", "false");
        for (final Map.Entry<String, String> field : fields.entrySet()) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field.getKey() + "\"\r\n\r\n"
                    + field.getValue() + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + flowDefinition.getFileName()
                + "\"\r\nContent-Type: application/json\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(Files.readAllBytes(flowDefinition));
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        final HttpRequest request = HttpRequest.newBuilder(URI.create(api + "/process-groups/" + parentGroupId + "/process-groups/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                .timeout(Duration.ofMinutes(2))
                .build();
        return send(request).path("id").asText();
    }

    /** Downloads a process group as a flow definition (what the UI's "Download flow definition" saves). */
    public String downloadFlowDefinition(final String groupId) throws IOException {
        final HttpRequest request = HttpRequest.newBuilder(URI.create(api + "/process-groups/" + groupId + "/download?includeReferencedServices=true"))
                .GET().timeout(Duration.ofMinutes(1)).build();
        return sendForString(request);
    }

    public String createProcessGroup(final String parentGroupId, final String name) throws IOException {
        final ObjectNode component = mapper.createObjectNode().put("name", name);
        component.putObject("position").put("x", 0).put("y", 0);
        return post("/process-groups/" + parentGroupId + "/process-groups", withRevision(component)).path("id").asText();
    }

    /** Adds a processor; properties and scheduling go into its config. */
    public String createProcessor(final String groupId, final String type, final String name, final double x, final double y,
                                  final Map<String, String> properties, final Map<String, Object> config) throws IOException {
        final ObjectNode component = mapper.createObjectNode().put("type", type).put("name", name);
        component.putObject("position").put("x", x).put("y", y);
        final ObjectNode configNode = mapper.valueToTree(config);
        configNode.set("properties", mapper.valueToTree(properties));
        component.set("config", configNode);
        return post("/process-groups/" + groupId + "/processors", withRevision(component)).path("id").asText();
    }

    public String createControllerService(final String groupId, final String type, final String name, final Map<String, String> properties)
            throws IOException {
        final ObjectNode component = mapper.createObjectNode().put("type", type).put("name", name);
        component.set("properties", mapper.valueToTree(properties));
        return post("/process-groups/" + groupId + "/controller-services", withRevision(component)).path("id").asText();
    }

    /** Connects two processors of one group for the given relationships with a load-balance strategy (DO_NOT_LOAD_BALANCE, ROUND_ROBIN, SINGLE_NODE...). */
    public String connect(final String groupId, final String sourceId, final String destinationId, final List<String> relationships,
                          final String loadBalanceStrategy) throws IOException {
        return connect(groupId, sourceId, destinationId, relationships, loadBalanceStrategy, List.of());
    }

    /** Adds a connection drawn through the given bend points ({x, y} each); its label sits on the first bend. */
    public String connect(final String groupId, final String sourceId, final String destinationId, final List<String> relationships,
                          final String loadBalanceStrategy, final List<double[]> bends) throws IOException {
        final ObjectNode component = mapper.createObjectNode();
        if (!bends.isEmpty()) {
            final ArrayNode bendArray = component.putArray("bends");
            bends.forEach(bend -> bendArray.addObject().put("x", bend[0]).put("y", bend[1]));
            component.put("labelIndex", 0);
        }
        component.putObject("source").put("id", sourceId).put("groupId", groupId).put("type", "PROCESSOR");
        component.putObject("destination").put("id", destinationId).put("groupId", groupId).put("type", "PROCESSOR");
        final ArrayNode selected = component.putArray("selectedRelationships");
        relationships.forEach(selected::add);
        component.put("loadBalanceStrategy", loadBalanceStrategy);
        return post("/process-groups/" + groupId + "/connections", withRevision(component)).path("id").asText();
    }

    /** Creates a parameter context with the given values and binds it to the group. */
    public String createParameterContext(final String name, final Map<String, String> parameters) throws IOException {
        final ObjectNode component = mapper.createObjectNode().put("name", name);
        component.set("parameters", parameterArray(parameters));
        return post("/parameter-contexts", withRevision(component)).path("id").asText();
    }

    public void bindParameterContext(final String groupId, final String parameterContextId) throws IOException {
        final JsonNode group = get("/process-groups/" + groupId);
        final ObjectNode entity = mapper.createObjectNode();
        entity.set("revision", group.path("revision"));
        final ObjectNode component = entity.putObject("component").put("id", groupId);
        component.putObject("parameterContext").put("id", parameterContextId);
        put("/process-groups/" + groupId, entity);
    }

    /** Sets parameter values of the context bound to the group, waiting until NiFi has applied them. */
    public void setParameters(final String groupId, final Map<String, String> parameters) throws IOException, InterruptedException {
        final String contextId = get("/process-groups/" + groupId).path("component").path("parameterContext").path("id").asText();
        if (contextId.isEmpty()) {
            throw new IOException("Process group " + groupId + " has no parameter context");
        }
        final JsonNode context = get("/parameter-contexts/" + contextId);
        final ObjectNode entity = mapper.createObjectNode();
        entity.put("id", contextId);
        entity.set("revision", context.path("revision"));
        final ObjectNode component = entity.putObject("component").put("id", contextId);
        component.set("parameters", parameterArray(parameters));
        final JsonNode update = post("/parameter-contexts/" + contextId + "/update-requests", entity);
        final String requestId = update.path("request").path("requestId").asText();
        final String requestPath = "/parameter-contexts/" + contextId + "/update-requests/" + requestId;
        final long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        JsonNode state = update;
        while (!state.path("request").path("complete").asBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(250);
            state = get(requestPath);
        }
        delete(requestPath);
        final String failure = state.path("request").path("failureReason").asText("");
        if (!failure.isEmpty() && !"null".equals(failure)) {
            throw new IOException("Parameter update failed: " + failure);
        }
        if (!state.path("request").path("complete").asBoolean()) {
            throw new IOException("Parameter update did not complete within 2 minutes");
        }
    }

    public void enableControllerServices(final String groupId) throws IOException, InterruptedException {
        put("/flow/process-groups/" + groupId + "/controller-services", mapper.createObjectNode().put("id", groupId).put("state", "ENABLED"));
        waitForControllerServices(groupId, "ENABLED");
    }

    public void disableControllerServices(final String groupId) throws IOException, InterruptedException {
        put("/flow/process-groups/" + groupId + "/controller-services", mapper.createObjectNode().put("id", groupId).put("state", "DISABLED"));
        waitForControllerServices(groupId, "DISABLED");
    }

    private void waitForControllerServices(final String groupId, final String state) throws IOException, InterruptedException {
        final long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (System.nanoTime() < deadline) {
            final List<String> pending = new ArrayList<>();
            for (final JsonNode service : get("/flow/process-groups/" + groupId + "/controller-services?includeAncestorGroups=false&includeDescendantGroups=true")
                    .path("controllerServices")) {
                final String current = service.path("component").path("state").asText();
                if (!state.equals(current)) {
                    pending.add(service.path("component").path("name").asText() + "=" + current
                            + " " + service.path("component").path("validationErrors"));
                }
            }
            if (pending.isEmpty()) {
                return;
            }
            Thread.sleep(500);
            if (System.nanoTime() >= deadline) {
                throw new IOException("Controller services not " + state + ": " + pending);
            }
        }
    }

    public void startGroup(final String groupId) throws IOException {
        put("/flow/process-groups/" + groupId, mapper.createObjectNode().put("id", groupId).put("state", "RUNNING"));
    }

    public void stopGroup(final String groupId) throws IOException {
        put("/flow/process-groups/" + groupId, mapper.createObjectNode().put("id", groupId).put("state", "STOPPED"));
    }

    /** Starts or stops one processor by name inside the group (first match). */
    public void setProcessorState(final String groupId, final String processorName, final String state) throws IOException {
        final JsonNode processor = processorByName(groupId, processorName);
        final ObjectNode entity = mapper.createObjectNode();
        entity.set("revision", processor.path("revision"));
        entity.put("state", state);
        put("/processors/" + processor.path("id").asText() + "/run-status", entity);
    }

    /** The id of the first child process group of the parent with that name. */
    public String childGroupId(final String parentGroupId, final String name) throws IOException {
        for (final JsonNode child : get("/process-groups/" + parentGroupId + "/process-groups").path("processGroups")) {
            if (name.equals(child.path("component").path("name").asText())) {
                return child.path("id").asText();
            }
        }
        throw new IOException("No process group named '" + name + "' in group " + parentGroupId);
    }

    public JsonNode processorByName(final String groupId, final String processorName) throws IOException {
        for (final JsonNode processor : get("/process-groups/" + groupId + "/processors").path("processors")) {
            if (processorName.equals(processor.path("component").path("name").asText())) {
                return processor;
            }
        }
        throw new IOException("No processor named '" + processorName + "' in group " + groupId);
    }

    /** The group's status (recursive): aggregateSnapshot has flowFilesQueued, activeThreadCount, ... */
    public JsonNode groupStatus(final String groupId) throws IOException {
        return get("/flow/process-groups/" + groupId + "/status?recursive=true").path("processGroupStatus").path("aggregateSnapshot");
    }

    /**
     * The value of a NiFi counter summed over the components that keep it, e.g. ("ExtractImageFeatures", "Images"); 0 when
     * no component has counted yet. Counters are cheap to read, unlike walking an output folder.
     */
    public long counter(final String componentNamePrefix, final String counterName) throws IOException {
        return counter(counters(), componentNamePrefix, counterName);
    }

    /** Every counter of the NiFi in one call, for reading several with {@link #counter(JsonNode, String, String)}. */
    public JsonNode counters() throws IOException {
        return get("/counters").path("counters").path("aggregateSnapshot").path("counters");
    }

    /** A counter's value in a snapshot from {@link #counters()}, summed over the components whose name starts with the prefix. */
    public static long counter(final JsonNode counters, final String componentNamePrefix, final String counterName) {
        long total = 0;
        for (final JsonNode counter : counters) {
            if (counterName.equals(counter.path("name").asText()) && counter.path("context").asText().startsWith(componentNamePrefix)) {
                total += counter.path("valueCount").asLong();
            }
        }
        return total;
    }

    /** Validation errors of every invalid processor and controller service of the group, as text; empty when all are valid. */
    public List<String> validationErrors(final String groupId) throws IOException {
        final List<String> errors = new ArrayList<>();
        for (final JsonNode processor : get("/process-groups/" + groupId + "/processors?includeDescendantGroups=true").path("processors")) {
            final JsonNode component = processor.path("component");
            if ("INVALID".equals(component.path("validationStatus").asText())) {
                errors.add(component.path("name").asText() + ": " + component.path("validationErrors"));
            }
        }
        return errors;
    }

    /** Bulletins (processor warnings and errors) of the whole flow, newest last. */
    public List<String> bulletins() throws IOException {
        final List<String> messages = new ArrayList<>();
        for (final JsonNode bulletin : get("/flow/bulletin-board?limit=100").path("bulletinBoard").path("bulletins")) {
            final JsonNode content = bulletin.path("bulletin");
            messages.add(content.path("level").asText() + " " + content.path("sourceName").asText() + ": " + content.path("message").asText());
        }
        return messages;
    }

    /** Provenance events of one component (newest first, at most maxResults), each with its attributes. */
    public List<JsonNode> provenanceEvents(final String componentId, final int maxResults) throws IOException, InterruptedException {
        final ObjectNode body = mapper.createObjectNode();
        final ObjectNode request = body.putObject("provenance").putObject("request");
        request.put("maxResults", maxResults);
        request.putObject("searchTerms").putObject("ProcessorID").put("value", componentId).put("inverse", false);
        final JsonNode submitted = post("/provenance", body);
        final String queryId = submitted.path("provenance").path("id").asText();
        JsonNode state = submitted;
        final long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (!state.path("provenance").path("finished").asBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(250);
            state = get("/provenance/" + queryId);
        }
        delete("/provenance/" + queryId);
        final List<JsonNode> events = new ArrayList<>();
        state.path("provenance").path("results").path("provenanceEvents").forEach(events::add);
        return events;
    }

    /** The value of an attribute after a provenance event, or null. */
    public static String eventAttribute(final JsonNode event, final String name) {
        for (final JsonNode attribute : event.path("attributes")) {
            if (name.equals(attribute.path("name").asText())) {
                return attribute.path("value").isNull() ? null : attribute.path("value").asText();
            }
        }
        return null;
    }

    public JsonNode get(final String path) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(api + path)).GET().timeout(Duration.ofMinutes(1)).build());
    }

    public JsonNode post(final String path, final JsonNode body) throws IOException {
        return send(jsonRequest(path).POST(HttpRequest.BodyPublishers.ofString(mapper.writeValueAsString(body))).build());
    }

    public JsonNode put(final String path, final JsonNode body) throws IOException {
        return send(jsonRequest(path).PUT(HttpRequest.BodyPublishers.ofString(mapper.writeValueAsString(body))).build());
    }

    public JsonNode delete(final String path) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(api + path + (path.contains("?") ? "&" : "?") + "clientId=" + clientId))
                .DELETE().timeout(Duration.ofMinutes(1)).build());
    }

    private HttpRequest.Builder jsonRequest(final String path) {
        return HttpRequest.newBuilder(URI.create(api + path)).header("Content-Type", "application/json").timeout(Duration.ofMinutes(2));
    }

    private ObjectNode withRevision(final ObjectNode component) {
        final ObjectNode entity = mapper.createObjectNode();
        entity.putObject("revision").put("version", 0).put("clientId", clientId);
        entity.set("component", component);
        return entity;
    }

    private ArrayNode parameterArray(final Map<String, String> parameters) {
        final ArrayNode array = mapper.createArrayNode();
        for (final Map.Entry<String, String> parameter : parameters.entrySet()) {
            array.addObject().putObject("parameter").put("name", parameter.getKey()).put("sensitive", false).put("value", parameter.getValue());
        }
        return array;
    }

    private JsonNode send(final HttpRequest request) throws IOException {
        final String body = sendForString(request);
        return body.isBlank() ? mapper.createObjectNode() : mapper.readTree(body);
    }

    private String sendForString(final HttpRequest request) throws IOException {
        try {
            final HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new IOException(request.method() + " " + request.uri() + " answered " + response.statusCode() + ": " + response.body());
            }
            return response.body();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while calling " + request.uri(), e);
        }
    }
}

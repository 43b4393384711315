package dev.nificnn.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Proves the assembled NiFi itself: a GenerateFlowFile -> PutFile flow built over REST, downloaded, re-imported and run. */
class StandardProcessorsFlowTest {

    @RegisterExtension
    static final RunningNiFi NIFI = new RunningNiFi();

    @Test
    void flowBuiltDownloadedAndReimportedWritesEveryGeneratedFile() throws Exception {
        final NiFiRestClient client = NIFI.client();
        final String root = client.rootGroupId();
        final String authored = client.createProcessGroup(root, "generate-and-put");
        final String contextId = client.createParameterContext("generate-and-put", Map.of("output.directory", "/nonexistent"));
        client.bindParameterContext(authored, contextId);
        final String generate = client.createProcessor(authored, "org.apache.nifi.processors.standard.GenerateFlowFile", "GenerateFlowFile", 0, 0,
                Map.of("File Size", "10B", "Batch Size", "5", "Unique FlowFiles", "true"),
                Map.of("schedulingPeriod", "1 min"));
        final String putFile = client.createProcessor(authored, "org.apache.nifi.processors.standard.PutFile", "PutFile", 0, 200,
                Map.of("Directory", "#{output.directory}", "Conflict Resolution Strategy", "fail"),
                Map.of("autoTerminatedRelationships", List.of("success", "failure")));
        client.connect(authored, generate, putFile, List.of("success"), "ROUND_ROBIN");

        final String definition = client.downloadFlowDefinition(authored);
        final JsonNode snapshot = client.mapper().readTree(definition);
        assertEquals(2, snapshot.path("flowContents").path("processors").size());
        assertEquals("ROUND_ROBIN", snapshot.path("flowContents").path("connections").get(0).path("loadBalanceStrategy").asText());
        final Path definitionFile = NIFI.targetDirectory().resolve("generate-and-put.json");
        Files.writeString(definitionFile, definition);

        final String imported = client.uploadFlowDefinition(root, "generate-and-put imported", definitionFile, 400, 0);
        final Path output = Files.createDirectories(NIFI.targetDirectory().resolve("standard-flow-output"));
        NiFiAssembly.deleteRecursively(output);
        client.setParameters(imported, Map.of("output.directory", output.toString()));
        assertEquals(List.of(), client.validationErrors(imported));
        client.startGroup(imported);
        final long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (RunningNiFi.countFiles(output) < 5 && System.nanoTime() < deadline) {
            Thread.sleep(250);
        }
        client.stopGroup(imported);
        assertEquals(5, RunningNiFi.countFiles(output));
        try (var files = Files.list(output)) {
            for (final Path file : files.toList()) {
                assertEquals(10, Files.size(file));
            }
        }
        assertEquals(0, client.groupStatus(imported).path("flowFilesQueued").asInt());
        assertTrue(NIFI.process().residentSetBytes() > 0);
    }
}

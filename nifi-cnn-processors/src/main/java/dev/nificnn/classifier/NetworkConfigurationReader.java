package dev.nificnn.classifier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Parses the network configuration entry as JSON only, after checking that every polymorphic type it names is a DL4J or ND4J class.
 * <p>
 * DL4J's configuration JSON names a class for each layer, activation, updater and so on ({@code "@class"}); Jackson loads a named
 * class before it checks that it fits, so the names are checked on a plain JSON tree first.
 */
final class NetworkConfigurationReader {

    private static final String TYPE_PROPERTY = "@class";
    private static final List<String> ALLOWED_PACKAGES = List.of("org.deeplearning4j.nn.", "org.nd4j.linalg.");

    private NetworkConfigurationReader() {
    }

    /**
     * Parses the configuration.
     *
     * @param what the entry and file, for messages
     */
    static MultiLayerConfiguration read(final byte[] content, final String what) throws ArtifactFormatException {
        final JsonNode tree;
        try {
            tree = ClassifierArtifact.jsonMapper().readTree(content);
        } catch (final JsonProcessingException e) {
            throw new ArtifactFormatException(what + " is not JSON (" + e.getOriginalMessage() + ")", e);
        } catch (final IOException e) {
            throw new ArtifactFormatException(what + " could not be read (" + e.getMessage() + ")", e);
        }
        checkTypeNames(tree, what);
        try {
            return MultiLayerConfiguration.fromJson(new String(content, StandardCharsets.UTF_8));
        } catch (final RuntimeException e) {
            throw new ArtifactFormatException(what + " is not a DL4J multi-layer network configuration (" + e.getMessage() + ")", e);
        }
    }

    /** Returns how many parameters the configured network has, as DL4J's parameter initialisers count them. */
    static long parameterCount(final MultiLayerConfiguration configuration) {
        long count = 0;
        for (final NeuralNetConfiguration layer : configuration.getConfs()) {
            count = Math.addExact(count, layer.getLayer().initializer().numParams(layer));
        }
        return count;
    }

    private static void checkTypeNames(final JsonNode tree, final String what) throws ArtifactFormatException {
        // Iterative, so that a deeply nested document cannot exhaust the stack here.
        final Deque<JsonNode> pending = new ArrayDeque<>();
        pending.push(tree);
        while (!pending.isEmpty()) {
            final JsonNode node = pending.pop();
            if (node.isObject()) {
                final Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
                while (fields.hasNext()) {
                    final Map.Entry<String, JsonNode> field = fields.next();
                    if (TYPE_PROPERTY.equals(field.getKey()) && !allowedType(field.getValue())) {
                        throw new ArtifactFormatException(what + " names type " + field.getValue() + ", which is not a class of "
                                + ALLOWED_PACKAGES + "; it is not parsed");
                    }
                    pending.push(field.getValue());
                }
            } else if (node.isArray()) {
                node.forEach(pending::push);
            }
        }
    }

    private static boolean allowedType(final JsonNode value) {
        if (!value.isTextual()) {
            return false;
        }
        final String name = value.textValue();
        return name.matches("[A-Za-z0-9_.$]+") && ALLOWED_PACKAGES.stream().anyMatch(name::startsWith);
    }
}

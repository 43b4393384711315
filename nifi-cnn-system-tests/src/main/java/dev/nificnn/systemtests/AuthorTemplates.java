package dev.nificnn.systemtests;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Regenerates templates/*.json: starts the local NiFi, builds each flow through the REST API, downloads it as a flow
 * definition and stops NiFi. Arguments: the nifi-cnn-system-tests folder, the templates folder, then optionally the flows
 * to write (default: all).
 */
public final class AuthorTemplates {

    private AuthorTemplates() {
    }

    public static void main(final String[] arguments) throws Exception {
        final Path moduleDirectory = Path.of(arguments.length > 0 ? arguments[0] : ".").toAbsolutePath().normalize();
        final Path templates = Path.of(arguments.length > 1 ? arguments[1] : "../templates").toAbsolutePath().normalize();
        final int port = Integer.getInteger("nificnn.nifi.port", 18081);
        final LocalNiFi nifi = new LocalNiFi(moduleDirectory, port, "2g");
        try {
            final NiFiRestClient client = nifi.start(port, true);
            final FlowTemplates flows = new FlowTemplates(client);
            final String root = client.rootGroupId();
            final List<String> names = arguments.length > 2 ? Arrays.asList(arguments).subList(2, arguments.length) : FlowTemplates.NAMES;
            for (final String name : names) {
                final String group = flows.build(root, name);
                final Path file = templates.resolve(name + ".json");
                flows.export(group, file);
                System.out.println("Wrote " + file);
            }
        } finally {
            nifi.process().stop();
        }
    }
}

package dev.nificnn.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The flow definitions read on NiFi's canvas: no processor overlaps another processor, a connection's label or a connection
 * passing by, and no two labels overlap. Geometry as NiFi 2's UI draws it: a processor is 352 x 128 px from its position; a label
 * (at most about 240 x 100 px) is centred on the connection's label bend, or on the middle of a straight connection between the
 * two processors' borders; a connection runs from centre to centre through its bends.
 */
class TemplateLayoutTest {

    private static final double PROCESSOR_WIDTH = 352;
    private static final double PROCESSOR_HEIGHT = 128;
    private static final double LABEL_WIDTH = 240;
    private static final double LABEL_HEIGHT = 100;

    private record Box(String name, double left, double top, double right, double bottom) {
        boolean overlaps(final Box other) {
            return left < other.right && other.left < right && top < other.bottom && other.top < bottom;
        }

        double centreX() {
            return (left + right) / 2;
        }

        double centreY() {
            return (top + bottom) / 2;
        }

        /** Whether the segment from (x1, y1) to (x2, y2) passes through this box (sampled every pixel or so). */
        boolean crossedBy(final double x1, final double y1, final double x2, final double y2) {
            final int steps = (int) Math.max(2, Math.hypot(x2 - x1, y2 - y1));
            for (int i = 0; i <= steps; i++) {
                final double x = x1 + (x2 - x1) * i / steps;
                final double y = y1 + (y2 - y1) * i / steps;
                if (x > left && x < right && y > top && y < bottom) {
                    return true;
                }
            }
            return false;
        }

        /** Where the line from this box's centre towards (x, y) leaves the box. */
        double[] border(final double x, final double y) {
            final double dx = x - centreX();
            final double dy = y - centreY();
            final double scale = Math.min(dx == 0 ? Double.MAX_VALUE : (PROCESSOR_WIDTH / 2) / Math.abs(dx),
                    dy == 0 ? Double.MAX_VALUE : (PROCESSOR_HEIGHT / 2) / Math.abs(dy));
            return new double[] {centreX() + dx * Math.min(scale, 1), centreY() + dy * Math.min(scale, 1)};
        }
    }

    private record Connection(String name, Box source, Box destination, List<double[]> path, Box label) {
    }

    /** Every flow FlowTemplates writes into templates/. */
    static List<String> flows() {
        return FlowTemplates.NAMES;
    }

    @ParameterizedTest
    @MethodSource("flows")
    void nothingOverlapsOnTheCanvas(final String flow) throws IOException {
        final JsonNode contents = new ObjectMapper().readTree(TemplatesFolder.flowDefinition(flow).toFile()).path("flowContents");
        assertTrue(contents.path("processGroups").isEmpty(), "The layout check covers one group; " + flow + " has nested groups");
        final Map<String, Box> processors = new HashMap<>();
        for (final JsonNode processor : contents.path("processors")) {
            final double x = processor.path("position").path("x").asDouble();
            final double y = processor.path("position").path("y").asDouble();
            processors.put(processor.path("identifier").asText(),
                    new Box(processor.path("name").asText(), x, y, x + PROCESSOR_WIDTH, y + PROCESSOR_HEIGHT));
        }
        final List<Connection> connections = new ArrayList<>();
        for (final JsonNode connection : contents.path("connections")) {
            connections.add(connection(connection, processors));
        }
        final List<String> problems = new ArrayList<>();
        final List<Box> boxes = List.copyOf(processors.values());
        for (int i = 0; i < boxes.size(); i++) {
            for (int j = i + 1; j < boxes.size(); j++) {
                if (boxes.get(i).overlaps(boxes.get(j))) {
                    problems.add("processors " + boxes.get(i).name() + " and " + boxes.get(j).name() + " overlap");
                }
            }
        }
        for (int i = 0; i < connections.size(); i++) {
            final Connection connection = connections.get(i);
            for (final Box box : boxes) {
                if (connection.label().overlaps(box)) {
                    problems.add("the label of " + connection.name() + " lies over processor " + box.name());
                }
                if (box != connection.source() && box != connection.destination() && crosses(connection.path(), box)) {
                    problems.add(connection.name() + " runs through processor " + box.name());
                }
            }
            for (int j = i + 1; j < connections.size(); j++) {
                if (connection.label().overlaps(connections.get(j).label())) {
                    problems.add("the labels of " + connection.name() + " and " + connections.get(j).name() + " overlap");
                }
            }
        }
        assertTrue(problems.isEmpty(), flow + ": " + String.join("; ", problems));
        assertFalse(connections.isEmpty(), flow + " has no connections");
    }

    private static Connection connection(final JsonNode connection, final Map<String, Box> processors) {
        final Box source = processors.get(connection.path("source").path("id").asText());
        final Box destination = processors.get(connection.path("destination").path("id").asText());
        final String name = connection.path("source").path("name").asText() + " -> " + connection.path("destination").path("name").asText()
                + " " + connection.path("selectedRelationships");
        assertTrue(source != null && destination != null, name + ": the layout check covers processor-to-processor connections only");
        final List<double[]> path = new ArrayList<>();
        path.add(new double[] {source.centreX(), source.centreY()});
        for (final JsonNode bend : connection.path("bends")) {
            path.add(new double[] {bend.path("x").asDouble(), bend.path("y").asDouble()});
        }
        path.add(new double[] {destination.centreX(), destination.centreY()});
        final double[] labelCentre;
        if (path.size() > 2) {
            final int labelIndex = Math.min(Math.max(connection.path("labelIndex").asInt(0), 0), path.size() - 3);
            labelCentre = path.get(labelIndex + 1);
        } else {
            final double[] start = source.border(destination.centreX(), destination.centreY());
            final double[] end = destination.border(source.centreX(), source.centreY());
            labelCentre = new double[] {(start[0] + end[0]) / 2, (start[1] + end[1]) / 2};
        }
        final Box label = new Box("label of " + name, labelCentre[0] - LABEL_WIDTH / 2, labelCentre[1] - LABEL_HEIGHT / 2,
                labelCentre[0] + LABEL_WIDTH / 2, labelCentre[1] + LABEL_HEIGHT / 2);
        return new Connection(name, source, destination, path, label);
    }

    private static boolean crosses(final List<double[]> path, final Box box) {
        for (int i = 0; i + 1 < path.size(); i++) {
            if (box.crossedBy(path.get(i)[0], path.get(i)[1], path.get(i + 1)[0], path.get(i + 1)[1])) {
                return true;
            }
        }
        return false;
    }
}

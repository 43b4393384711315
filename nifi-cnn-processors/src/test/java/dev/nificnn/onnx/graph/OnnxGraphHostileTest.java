package dev.nificnn.onnx.graph;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import dev.nificnn.onnx.TinyModels;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile ONNX bytes for the bundle's own protobuf reading (signature, taps, initializers): truncated models, declared lengths
 * far past the data, deep nesting and random bytes are each refused with IllegalArgumentException within a second, without
 * an out-of-memory or a stack overflow. The file is named by the callers (ModelFileDescription, ModelLoader).
 */
class OnnxGraphHostileTest {

    private static final Duration SECOND = Duration.ofSeconds(1);

    /** Every wire-level reader of the bundle, as it is called on a model file. */
    private static final List<Consumer<byte[]>> READERS = List.of(
            OnnxGraphSignature::read,
            OnnxGraphTaps::intermediateTensorNames,
            model -> OnnxGraphTaps.addOutputs(model, List.of("features")),
            OnnxInitializers::shapes,
            model -> OnnxInitializers.readFloats(model, "conv_w"));

    private static byte[] field(final int fieldNumber, final byte[] content) throws IOException {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final CodedOutputStream output = CodedOutputStream.newInstance(bytes);
        output.writeByteArray(fieldNumber, content);
        output.flush();
        return bytes.toByteArray();
    }

    /** A model whose graph holds one field of the given number declaring {@code declared} bytes, followed by only 3. */
    private static byte[] graphFieldDeclaring(final int fieldNumber, final int declared) throws IOException {
        final ByteArrayOutputStream graph = new ByteArrayOutputStream();
        final CodedOutputStream output = CodedOutputStream.newInstance(graph);
        output.writeTag(fieldNumber, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        output.writeUInt32NoTag(declared);
        output.writeRawBytes(new byte[] {1, 2, 3});
        output.flush();
        return field(OnnxFieldNumbers.MODEL_GRAPH, graph.toByteArray());
    }

    private static String refusal(final Consumer<byte[]> reader, final byte[] model) {
        return assertTimeoutPreemptively(SECOND, () -> assertThrows(IllegalArgumentException.class, () -> reader.accept(model))).getMessage();
    }

    @Test
    void aGraphFieldDeclaringGigabytesIsRefusedBeforeAnythingIsCopied() throws Exception {
        for (final int fieldNumber : new int[] {OnnxFieldNumbers.GRAPH_NODE, OnnxFieldNumbers.GRAPH_INITIALIZER, OnnxFieldNumbers.GRAPH_INPUT,
                OnnxFieldNumbers.GRAPH_OUTPUT, OnnxFieldNumbers.GRAPH_VALUE_INFO}) {
            final byte[] model = graphFieldDeclaring(fieldNumber, Integer.MAX_VALUE);
            assertTrue(model.length < 16, "a few bytes: " + model.length);
            for (final Consumer<byte[]> reader : READERS) {
                final String message = refusal(reader, model);
                assertTrue(message.startsWith("Not an ONNX model"), "field " + fieldNumber + ": " + message);
                assertTrue(message.contains("2147483647") || message.contains("truncated"), "field " + fieldNumber + ": " + message);
            }
        }
        final String input = refusal(OnnxGraphSignature::read, graphFieldDeclaring(OnnxFieldNumbers.GRAPH_INPUT, Integer.MAX_VALUE));
        assertEquals("Not an ONNX model: graph field 11 at byte 8 declares 2147483647 bytes but only 3 remain in its graph", input);
    }

    @Test
    void aNegativeDeclaredLengthIsRefused() throws Exception {
        final byte[] model = graphFieldDeclaring(OnnxFieldNumbers.GRAPH_INPUT, -1);
        for (final Consumer<byte[]> reader : READERS) {
            final String message = refusal(reader, model);
            assertTrue(message.startsWith("Not an ONNX model"), message);
        }
        assertTrue(refusal(OnnxGraphSignature::read, model).contains("declares 4294967295 bytes"));
    }

    @Test
    void everyTruncationOfARealModelIsReadOrRefusedWithoutAnotherError() {
        final byte[] model = TinyModels.model(1f);
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            int refused = 0;
            for (int length = 0; length < model.length; length++) {
                final byte[] truncated = Arrays.copyOf(model, length);
                for (final Consumer<byte[]> reader : READERS) {
                    try {
                        reader.accept(truncated);
                    } catch (final IllegalArgumentException expected) {
                        refused++;
                    }
                }
            }
            // The graph is most of the model: every cut inside it is refused by every reader.
            assertTrue(refused > model.length * READERS.size() * 9 / 10, refused + " of " + model.length * READERS.size());
        });
    }

    @Test
    void deeplyNestedGroupsAreRefusedWithoutAStackOverflow() throws Exception {
        // 200,000 start-group tags, each opening a group inside the last: skipping them recursively would overflow the stack.
        final ByteArrayOutputStream graph = new ByteArrayOutputStream();
        final CodedOutputStream output = CodedOutputStream.newInstance(graph);
        for (int depth = 0; depth < 200_000; depth++) {
            output.writeTag(OnnxFieldNumbers.GRAPH_NAME + 100, WireFormat.WIRETYPE_START_GROUP);
        }
        output.flush();
        final byte[] model = field(OnnxFieldNumbers.MODEL_GRAPH, graph.toByteArray());
        for (final Consumer<byte[]> reader : READERS) {
            final String message = refusal(reader, model);
            assertTrue(message.startsWith("Not an ONNX model"), message);
            assertTrue(message.contains("too many levels of nesting"), message);
        }
    }

    @Test
    void deeplyNestedMessagesAreSkippedNotEntered() throws Exception {
        // A node 10,000 messages deep (as subgraphs in attributes nest): the readers skip it by its length in one step.
        byte[] nested = new byte[0];
        for (int depth = 0; depth < 10_000; depth++) {
            nested = field(OnnxFieldNumbers.NODE_ATTRIBUTE, nested);
        }
        final byte[] model = field(OnnxFieldNumbers.MODEL_GRAPH, field(OnnxFieldNumbers.GRAPH_NODE, nested));
        assertTimeoutPreemptively(SECOND, () -> {
            assertEquals(List.of(), OnnxGraphSignature.read(model).inputs());
            assertEquals(List.of(), OnnxGraphTaps.intermediateTensorNames(model));
        });
    }

    @Test
    void randomBytesAreRefusedOrReadWithoutAnotherError() {
        final SplittableRandom random = new SplittableRandom(16);
        final byte[] model = TinyModels.model(1f);
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            for (int trial = 0; trial < 2_000; trial++) {
                final byte[] damaged = model.clone();
                for (int flip = 0; flip < 4; flip++) {
                    damaged[random.nextInt(damaged.length)] = (byte) random.nextInt(256);
                }
                for (final Consumer<byte[]> reader : READERS) {
                    try {
                        reader.accept(damaged);
                    } catch (final IllegalArgumentException expected) {
                        // Refused as not a readable model: the one failure a caller handles.
                    }
                }
            }
        });
    }
}

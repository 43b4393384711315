package dev.nificnn.onnx.graph;

import dev.nificnn.onnx.TinyModels;
import dev.nificnn.onnx.generate.OnnxElementType;
import dev.nificnn.onnx.generate.OnnxModelBuilder;
import dev.nificnn.testing.SharedData;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OnnxGraphSignatureTest {

    @Test
    void readsInputAndOutputOfAGeneratedModel() {
        final OnnxGraphSignature signature = OnnxGraphSignature.read(TinyModels.model(1f));
        assertEquals(1, signature.inputs().size(), signature.toString());
        final OnnxGraphSignature.Value input = signature.inputs().getFirst();
        assertEquals("image", input.name());
        assertEquals(OnnxGraphSignature.ELEMENT_FLOAT, input.elementType());
        assertArrayEquals(new long[] {-1, 3, 8, 8}, input.shape(), "the batch dimension is symbolic");
        assertEquals(List.of(new OnnxGraphSignature.Value("probabilities", OnnxGraphSignature.ELEMENT_FLOAT, new long[] {-1, 3})), signature.outputs());
    }

    @Test
    void readsFloat16InputsAndNhwcShapes() {
        final byte[] model = new OnnxModelBuilder("nhwc")
                .input("pixels", OnnxElementType.FLOAT16, 1, 32, 48, 3)
                .node("Identity", List.of("pixels"), List.of("same"))
                .output("same", OnnxElementType.FLOAT16, 1, 32, 48, 3)
                .toByteArray();
        final OnnxGraphSignature.Value input = OnnxGraphSignature.read(model).inputs().getFirst();
        assertEquals(OnnxGraphSignature.ELEMENT_FLOAT16, input.elementType());
        assertArrayEquals(new long[] {1, 32, 48, 3}, input.shape());
    }

    /** The Model Zoo's SqueezeNet is IR version 3: every weight is also listed as a graph input, and must not count as one. */
    @Test
    void leavesOutInitializersListedAsInputs() throws IOException {
        final OnnxGraphSignature signature = OnnxGraphSignature.read(Files.readAllBytes(SharedData.require("models/squeezenet1.1-fp32.onnx")));
        assertEquals(1, signature.inputs().size(), signature.inputs().toString());
        assertEquals("data_0", signature.inputs().getFirst().name());
        assertArrayEquals(new long[] {1, 3, 224, 224}, signature.inputs().getFirst().shape());
        assertEquals("softmaxout_1", signature.outputs().getFirst().name());
    }

    @Test
    void refusesBytesThatAreNotAModel() {
        final IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> OnnxGraphSignature.read("not a model at all".getBytes()));
        assertTrue(error.getMessage().startsWith("Not an ONNX model"), error.getMessage());
    }
}

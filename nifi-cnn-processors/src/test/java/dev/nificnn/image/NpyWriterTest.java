package dev.nificnn.image;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NpyWriterTest {

    private static final float[] VALUES = {-2.5f, 0f, 1f / 3f, 255f, Float.MIN_VALUE, -123.456f};

    @Test
    void headerIsAlignedAndDataFollowsLittleEndian() {
        final byte[] npy = NpyWriter.write(VALUES, new int[] {2, 3});
        final IndependentNpy parsed = IndependentNpy.parse(npy);
        assertEquals("<f4", parsed.description);
        assertEquals("False", parsed.fortranOrder);
        assertEquals("(2, 3)", parsed.shape);
        assertEquals(0, parsed.dataOffset % 64, "NumPy aligns data to 64 bytes");
        assertArrayEquals(VALUES, parsed.values);
    }

    @Test
    void oneDimensionalShapeHasTrailingComma() {
        final IndependentNpy parsed = IndependentNpy.parse(NpyWriter.write(new float[] {7f}, new int[] {1}));
        assertEquals("(1,)", parsed.shape);
        assertArrayEquals(new float[] {7f}, parsed.values);
    }

    @Test
    void readerReadsWhatWriterWrote() throws NpyFormatException {
        final NpyArray array = NpyReader.read(NpyWriter.write(VALUES, new int[] {1, 2, 3}));
        assertArrayEquals(new int[] {1, 2, 3}, array.shape());
        assertArrayEquals(VALUES, array.data());
    }

    @Test
    void readerRefusesOtherElementTypes() {
        final byte[] npy = NpyWriter.write(new float[] {1f, 2f}, new int[] {2});
        final byte[] doubles = new String(npy, StandardCharsets.ISO_8859_1).replace("'<f4'", "'<f8'").getBytes(StandardCharsets.ISO_8859_1);
        final NpyFormatException error = assertThrows(NpyFormatException.class, () -> NpyReader.read(doubles));
        assertTrue(error.getMessage().contains("'<f8'"), error.getMessage());
        final NpyFormatException notNpy = assertThrows(NpyFormatException.class, () -> NpyReader.read("hello world".getBytes(StandardCharsets.US_ASCII)));
        assertTrue(notNpy.getMessage().contains("magic"), notNpy.getMessage());
        assertThrows(NpyFormatException.class, () -> NpyReader.read(Arrays.copyOf(npy, npy.length - 1)));
    }

    @Test
    void writerRefusesShapeThatDoesNotMatchData() {
        assertThrows(IllegalArgumentException.class, () -> NpyWriter.write(new float[5], new int[] {2, 3}));
    }

    /** Reads the file back with NumPy itself when Debian's python3-numpy is installed; the independent parser above always runs. */
    @Test
    void numpyLoadsTheFile(@TempDir final Path folder) throws IOException, InterruptedException {
        final Path python = Path.of("/usr/bin/python3");
        Assumptions.assumeTrue(Files.isExecutable(python), "No /usr/bin/python3");
        final Path file = folder.resolve("tensor.npy");
        Files.write(file, NpyWriter.write(VALUES, new int[] {3, 2}));
        final List<String> command = new ArrayList<>(List.of(python.toString(), "-c",
                "import numpy,sys; a=numpy.load(sys.argv[1]); print(a.dtype.str, a.shape, ' '.join(repr(float(v)) for v in a.ravel()))", file.toString()));
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        Assumptions.assumeFalse(output.contains("No module named 'numpy'"), "python3-numpy is not installed");
        assertEquals(0, process.exitValue(), output);
        final String[] parts = output.split(" ");
        assertEquals("<f4", parts[0]);
        assertEquals("(3, 2)", parts[1] + " " + parts[2]);
        for (int i = 0; i < VALUES.length; i++) {
            assertEquals(VALUES[i], Float.parseFloat(parts[3 + i]), 0f, output);
        }
    }

    /** A deliberately separate, minimal .npy parser (not NpyReader) so the writer is checked independently. */
    private static final class IndependentNpy {
        String description;
        String fortranOrder;
        String shape;
        int dataOffset;
        float[] values;

        static IndependentNpy parse(final byte[] npy) {
            assertEquals((byte) 0x93, npy[0]);
            assertEquals("NUMPY", new String(npy, 1, 5, StandardCharsets.US_ASCII));
            assertEquals(1, npy[6]);
            assertEquals(0, npy[7]);
            final int headerLength = (npy[8] & 0xff) | (npy[9] & 0xff) << 8;
            final String header = new String(npy, 10, headerLength, StandardCharsets.US_ASCII);
            assertTrue(header.endsWith("\n"));
            final IndependentNpy parsed = new IndependentNpy();
            parsed.description = between(header, "'descr': '", "'");
            parsed.fortranOrder = between(header, "'fortran_order': ", ",");
            parsed.shape = "(" + between(header, "'shape': (", ")") + ")";
            parsed.dataOffset = 10 + headerLength;
            final ByteBuffer data = ByteBuffer.wrap(npy, parsed.dataOffset, npy.length - parsed.dataOffset).order(ByteOrder.LITTLE_ENDIAN);
            parsed.values = new float[data.remaining() / 4];
            for (int i = 0; i < parsed.values.length; i++) {
                parsed.values[i] = Float.intBitsToFloat(data.getInt());
            }
            return parsed;
        }

        private static String between(final String text, final String before, final String after) {
            final int start = text.indexOf(before) + before.length();
            return text.substring(start, text.indexOf(after, start));
        }
    }
}

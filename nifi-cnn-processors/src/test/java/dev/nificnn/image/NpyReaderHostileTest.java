package dev.nificnn.image;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hostile {@code .npy} content: each is refused within a second, naming the limit, before anything it declares is allocated. */
class NpyReaderHostileTest {

    private static final Duration SECOND = Duration.ofSeconds(1);

    /** Version 2 content: the 4-byte header length is what it declares, whatever the header and data really hold. */
    private static byte[] version2(final int declaredHeaderLength, final String header, final int dataBytes) {
        final byte[] text = header.getBytes(StandardCharsets.ISO_8859_1);
        final ByteBuffer content = ByteBuffer.allocate(12 + text.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        content.put(NpyWriter.MAGIC).put((byte) 2).put((byte) 0).putInt(declaredHeaderLength).put(text);
        return content.array();
    }

    private static byte[] withShape(final String shape, final int dataBytes) {
        final String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape + "), }\n";
        return version2(header.length(), header, dataBytes);
    }

    private static String refusal(final byte[] content) {
        return assertTimeoutPreemptively(SECOND, () -> assertThrows(NpyFormatException.class, () -> NpyReader.read(content))).getMessage();
    }

    @Test
    void aHeaderDeclaringGigabytesIsRefusedBeforeItIsParsed() {
        assertEquals(".npy header declares 2147483647 bytes, more than the 10000 bytes NumPy itself reads; it is not parsed",
                refusal(version2(Integer.MAX_VALUE, "{}", 0)));
        assertEquals(".npy header declares 4294967295 bytes, more than the 10000 bytes NumPy itself reads; it is not parsed",
                refusal(version2(-1, "{}", 0)));
    }

    @Test
    void aHeaderLongerThanItsContentIsRefused() {
        assertEquals(".npy content ends inside its header: it declares 9000 header bytes but holds 2", refusal(version2(9000, "{}", 0)));
    }

    @Test
    void aHeaderBuiltToMakeTheParserBacktrackIsRefusedQuickly() {
        // Keys opened and never closed, repeated up to the header limit: each search scans on to the end of the header.
        final String header = "'shape': (".repeat(998) + "'descr': '<f4";
        assertEquals(9_993, header.length(), "just under the limit");
        final String message = refusal(version2(header.length(), header, 0));
        assertTrue(message.startsWith(".npy header has no valid 'descr' entry: 'shape': ('shape': ("), message);
    }

    @Test
    void aShapeWhoseElementCountWrapsAroundIsRefused() {
        // 65536^4 = 2^64 elements: a long product wraps to 0, which a file with no data bytes would have matched.
        assertEquals(".npy shape [65536, 65536, 65536, 65536] needs more data bytes than the 0 the file holds",
                refusal(withShape("65536, 65536, 65536, 65536", 0)));
        assertEquals(".npy shape [2147483647, 2147483647, 2147483647] needs more data bytes than the 4 the file holds",
                refusal(withShape("2147483647, 2147483647, 2147483647", 4)));
    }

    @Test
    void moreDimensionsThanNumpyAllowsAreRefused() {
        final String shape = String.join(", ", Collections.nCopies(100, "1"));
        assertEquals(".npy shape has 100 dimensions, more than the 64 NumPy allows", refusal(withShape(shape, 4)));
    }

    @Test
    void dataShorterThanTheShapeIsRefused() {
        assertEquals(".npy shape [3, 8, 8] needs more data bytes than the 700 the file holds", refusal(withShape("3, 8, 8", 700)));
    }

    @Test
    void anHonestFileAtTheLimitsIsRead() throws NpyFormatException {
        final float[] values = new float[24];
        Arrays.fill(values, 0.5f);
        final NpyArray array = NpyReader.read(NpyWriter.write(values, new int[] {1, 2, 3, 4}));
        assertArrayEquals(new int[] {1, 2, 3, 4}, array.shape());
        assertArrayEquals(values, array.data());
    }
}

package dev.nificnn.onnx;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

class GpuMemoryProbeTest {

    /** nvidia-smi's CSV as the driver writes it: one line per process and GPU; a process on two GPUs is summed. */
    @Test
    void sumsThisProcessesLinesOnly() {
        final String output = "4242, 1530\n777, 20000\n4242, 512\n1234, [N/A]\n";
        assertEquals(OptionalLong.of(2042), GpuMemoryProbe.parse(output, 4242));
        assertEquals(OptionalLong.of(20000), GpuMemoryProbe.parse(output, 777));
        assertEquals(OptionalLong.empty(), GpuMemoryProbe.parse(output, 1234));
        assertEquals(OptionalLong.empty(), GpuMemoryProbe.parse(output, 9));
        assertEquals(OptionalLong.empty(), GpuMemoryProbe.parse("No devices were found\n", 9));
        assertEquals(OptionalLong.empty(), GpuMemoryProbe.parse(null, 9));
    }

    @Test
    void asksTheDriverAtMostOncePerRefreshInterval() {
        final AtomicInteger queries = new AtomicInteger();
        final GpuMemoryProbe probe = new GpuMemoryProbe(7, () -> {
            queries.incrementAndGet();
            return "7, 100\n";
        });
        for (int i = 0; i < 50; i++) {
            assertEquals(OptionalLong.of(100), probe.usedMebibytes());
        }
        assertEquals(1, queries.get());
    }

    /** Where there is no nvidia-smi (this CI machine) the probe says nothing rather than failing. */
    @Test
    void isEmptyWithoutADriver() {
        assumeFalse(Files.exists(Path.of("/usr/bin/nvidia-smi")), "This host has nvidia-smi: the no-driver case cannot be shown here");
        assertEquals(OptionalLong.empty(), new GpuMemoryProbe().usedMebibytes());
    }
}

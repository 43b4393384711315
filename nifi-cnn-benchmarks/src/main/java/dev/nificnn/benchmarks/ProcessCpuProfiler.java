package dev.nificnn.benchmarks;

import com.sun.management.OperatingSystemMXBean;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

import java.lang.management.ManagementFactory;
import java.util.Collection;
import java.util.List;

/**
 * A JMH profiler reporting the CPU time the benchmark process spent per image (all threads, ONNX Runtime's included):
 * a measure of work that, unlike images per second, hardly moves when other processes share the cores.
 * Use with {@code -prof dev.nificnn.benchmarks.ProcessCpuProfiler}; benchmarks with a {@code batch} parameter count
 * {@code batch} images per operation, others one.
 */
public class ProcessCpuProfiler implements InternalProfiler {

    private final OperatingSystemMXBean system =
            (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private long cpuNanosBefore;

    @Override
    public String getDescription() {
        return "Process CPU milliseconds per image";
    }

    @Override
    public void beforeIteration(final BenchmarkParams benchmarkParams, final IterationParams iterationParams) {
        cpuNanosBefore = system.getProcessCpuTime();
    }

    @Override
    public Collection<? extends Result> afterIteration(final BenchmarkParams benchmarkParams, final IterationParams iterationParams,
                                                       final IterationResult result) {
        final long cpuNanos = system.getProcessCpuTime() - cpuNanosBefore;
        final String batch = benchmarkParams.getParam("batch");
        final long images = result.getMetadata().getMeasuredOps() * (batch == null ? 1 : Long.parseLong(batch));
        if (images == 0) {
            return List.of();
        }
        return List.of(new ScalarResult("cpu.ms/image", cpuNanos / 1e6 / images, "ms", AggregationPolicy.AVG));
    }
}

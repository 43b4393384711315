package dev.nificnn.onnx;

/**
 * How an ONNX Runtime session is created.
 *
 * @param provider             the execution provider asked for
 * @param cudaDeviceId         the GPU to use (CUDA and TensorRT)
 * @param gpuMemoryLimitBytes  CUDA arena limit (gpu_mem_limit); 0 for ONNX Runtime's default (no limit)
 * @param intraOpThreads       threads one inference may use on the CPU; 0 for ONNX Runtime's default
 * @param optimizationLevel    graph optimisation level
 */
public record SessionSettings(ExecutionProvider provider, int cudaDeviceId, long gpuMemoryLimitBytes, int intraOpThreads,
                              OptimizationLevel optimizationLevel) {

    /** CPU only, every optimisation, the given number of threads: what tests and benchmarks use. */
    public static SessionSettings cpu(final int intraOpThreads) {
        return new SessionSettings(ExecutionProvider.CPU, 0, 0, intraOpThreads, OptimizationLevel.ALL);
    }

    /** The same settings with another provider. */
    public SessionSettings withProvider(final ExecutionProvider otherProvider) {
        return new SessionSettings(otherProvider, cudaDeviceId, gpuMemoryLimitBytes, intraOpThreads, optimizationLevel);
    }
}

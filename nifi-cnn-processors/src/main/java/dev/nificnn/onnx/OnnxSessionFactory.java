package dev.nificnn.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.providers.OrtCUDAProviderOptions;
import ai.onnxruntime.providers.OrtTensorRTProviderOptions;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Creates ONNX Runtime sessions on the execution provider asked for, falling back from CUDA to the CPU in AUTO mode. */
public final class OnnxSessionFactory {

    /** The one environment of this JVM; ONNX Runtime allows one, and it is never closed. */
    private static final OrtEnvironment ENVIRONMENT = OrtEnvironment.getEnvironment();

    /** What the requirements of the GPU providers are, for messages. */
    public static final String GPU_REQUIREMENTS = "the GPU build of ONNX Runtime 1.23 needs an NVIDIA driver, CUDA 12 (libcudart.so.12, libcublas.so.12,"
            + " libcublasLt.so.12, libcurand.so.10, libcufft.so.11) and cuDNN 9 (libcudnn.so.9) on the library path; TensorRT also needs libnvinfer.so.10";

    /**
     * Which ONNX Runtime build this JVM loaded, as operators tell the NARs apart: nifi-cnn-nar carries the CPU build,
     * nifi-cnn-gpu-nar the GPU build (CUDA and TensorRT providers compiled in; they still need CUDA's libraries to load).
     */
    public static final String ONNX_RUNTIME_BUILD = detectBuild();

    private static String detectBuild() {
        return OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA) ? "GPU" : "CPU";
    }

    /** Why a GPU provider cannot be used in a CPU build, for messages; null in the GPU build. */
    private static final String CPU_BUILD_PROBLEM = ONNX_RUNTIME_BUILD.equals("GPU") ? null
            : "this is the CPU build of ONNX Runtime (the nifi-cnn-nar NAR), which has no CUDA or TensorRT provider:"
            + " install nifi-cnn-gpu-nar instead of nifi-cnn-nar to run on an NVIDIA GPU";

    /**
     * A new session and the provider that actually runs it.
     *
     * @param fallbackReason why AUTO fell back to the CPU (the CUDA loader's message), or null
     */
    public record CreatedSession(OrtSession session, ExecutionProvider activeProvider, String fallbackReason) {
    }

    /** Provider and device to the loader's message, or "" when it loads. */
    private static final Map<String, String> GPU_PROBLEMS = new ConcurrentHashMap<>();

    private final AtomicLong sessionsCreated = new AtomicLong();

    /** The JVM's ONNX Runtime environment. */
    public static OrtEnvironment environment() {
        return ENVIRONMENT;
    }

    /** How many sessions this factory created (a test hook proving that a model is loaded once). */
    public long sessionsCreated() {
        return sessionsCreated.get();
    }

    /** Creates a session for the serialized model. */
    public CreatedSession create(final byte[] model, final SessionSettings settings) throws ModelLoadException {
        return switch (settings.provider()) {
            case CPU -> new CreatedSession(createCpuSession(model, settings), ExecutionProvider.CPU, null);
            case CUDA, TENSORRT -> {
                try {
                    yield new CreatedSession(createGpuSession(model, settings), settings.provider(), null);
                } catch (final OrtException e) {
                    throw new ModelLoadException(settings.provider().getDisplayName() + " execution provider could not be used on device "
                            + settings.cudaDeviceId() + ": " + e.getMessage() + " (" + gpuHint() + ")", e);
                }
            }
            case AUTO -> {
                String fallbackReason;
                try {
                    yield new CreatedSession(createGpuSession(model, settings.withProvider(ExecutionProvider.CUDA)), ExecutionProvider.CUDA, null);
                } catch (final OrtException e) {
                    fallbackReason = CPU_BUILD_PROBLEM != null ? CPU_BUILD_PROBLEM : e.getMessage();
                }
                yield new CreatedSession(createCpuSession(model, settings), ExecutionProvider.CPU,
                        "CUDA could not be loaded, running on the CPU: " + fallbackReason);
            }
        };
    }

    /**
     * Checks cheaply (no model) that the GPU provider of the settings can be loaded: returns null when it can,
     * otherwise the loader's message. Meant for validation in CUDA and TensorRT modes.
     */
    public static String checkGpuProvider(final SessionSettings settings) {
        // The first attempt can take seconds (ONNX Runtime tries to load its CUDA libraries) and NiFi validates often:
        // the answer is kept, since libraries do not appear in a running JVM.
        final String key = settings.provider() + "/" + settings.cudaDeviceId();
        return GPU_PROBLEMS.computeIfAbsent(key, ignored -> {
            try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                addGpuProviders(options, settings);
                return "";
            } catch (final OrtException | RuntimeException e) {
                return e.getMessage() + " (" + gpuHint() + ")";
            }
        }).transform(problem -> problem.isEmpty() ? null : problem);
    }

    /** What a GPU provider needs: in the CPU build, the GPU NAR; in the GPU build, CUDA's libraries. */
    private static String gpuHint() {
        return CPU_BUILD_PROBLEM != null ? CPU_BUILD_PROBLEM : GPU_REQUIREMENTS;
    }

    private OrtSession createCpuSession(final byte[] model, final SessionSettings settings) throws ModelLoadException {
        try (OrtSession.SessionOptions options = baseOptions(settings)) {
            final OrtSession session = ENVIRONMENT.createSession(model, options);
            sessionsCreated.incrementAndGet();
            return session;
        } catch (final OrtException e) {
            throw new ModelLoadException("ONNX Runtime cannot load the model: " + e.getMessage(), e);
        }
    }

    private OrtSession createGpuSession(final byte[] model, final SessionSettings settings) throws OrtException, ModelLoadException {
        try (OrtSession.SessionOptions options = baseOptions(settings)) {
            addGpuProviders(options, settings);
            final OrtSession session = ENVIRONMENT.createSession(model, options);
            sessionsCreated.incrementAndGet();
            return session;
        }
    }

    private static void addGpuProviders(final OrtSession.SessionOptions options, final SessionSettings settings) throws OrtException {
        if (settings.provider() == ExecutionProvider.TENSORRT) {
            try (OrtTensorRTProviderOptions tensorRtOptions = new OrtTensorRTProviderOptions(settings.cudaDeviceId())) {
                tensorRtOptions.add("device_id", Integer.toString(settings.cudaDeviceId()));
                options.addTensorrt(tensorRtOptions);
            }
        }
        // CUDA also backs TensorRT: nodes TensorRT does not take run on CUDA rather than the CPU.
        try (OrtCUDAProviderOptions cudaOptions = new OrtCUDAProviderOptions(settings.cudaDeviceId())) {
            if (settings.gpuMemoryLimitBytes() > 0) {
                cudaOptions.add("gpu_mem_limit", Long.toString(settings.gpuMemoryLimitBytes()));
            }
            // Grow the arena by what is requested, not by powers of two, so the limit is honoured closely.
            cudaOptions.add("arena_extend_strategy", "kSameAsRequested");
            cudaOptions.add("cudnn_conv_algo_search", "HEURISTIC");
            options.addCUDA(cudaOptions);
        }
    }

    private static OrtSession.SessionOptions baseOptions(final SessionSettings settings) throws ModelLoadException {
        final OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        try {
            options.setOptimizationLevel(settings.optimizationLevel().ortLevel());
            if (settings.intraOpThreads() > 0) {
                options.setIntraOpNumThreads(settings.intraOpThreads());
            }
            // Idle intra-op threads would otherwise spin after every run, taking the cores that NiFi's own threads need
            // in between (decoding the next batch, writing records, the repositories).
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            return options;
        } catch (final OrtException e) {
            options.close();
            throw new ModelLoadException("Invalid ONNX Runtime session options: " + e.getMessage(), e);
        }
    }
}

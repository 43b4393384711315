package dev.nificnn.processors;

import dev.nificnn.onnx.ExecutionProvider;
import dev.nificnn.onnx.GpuMemoryProbe;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.processor.ProcessSession;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the NiFi counters of an inference processor, the figures operators know from model servers: images, batches
 * (executions), failures, total and mean batch wait, preparation (decode, resize, pack) and inference time, per batch and
 * per image, the mean batch size and, on a GPU, the GPU memory this NiFi holds (the latest figure, not a mean). NiFi counters only add deltas, so each mean is kept as a running value and adjusted
 * by its change. The same per-batch figures go onto each FlowFile as attributes ({@link #attributes}).
 */
final class InferenceCounters {

    static final String IMAGES = "Images";
    static final String IMAGES_FAILED = "Images Failed";
    static final String BATCHES = "Batches";
    static final String BATCH_WAIT_MILLISECONDS = "Batch Wait Milliseconds";
    static final String PREPARE_MILLISECONDS = "Prepare Milliseconds";
    static final String INFERENCE_MILLISECONDS = "Inference Milliseconds";
    static final String MEAN_BATCH_SIZE = "Mean Images Per Batch";
    static final String MEAN_BATCH_WAIT_MILLISECONDS = "Mean Batch Wait Milliseconds Per Batch";
    static final String MEAN_INFERENCE_MILLISECONDS = "Mean Inference Milliseconds Per Batch";
    static final String MEAN_INFERENCE_MICROSECONDS_PER_IMAGE = "Mean Inference Microseconds Per Image";
    static final String MEAN_PREPARE_MICROSECONDS_PER_IMAGE = "Mean Prepare Microseconds Per Image";

    static final String GPU_MEMORY_MEBIBYTES = "GPU Memory In Use MiB";

    /** This JVM's GPU memory as the driver reports it; asked only when a batch ran on a GPU provider. */
    private static final GpuMemoryProbe GPU_MEMORY = new GpuMemoryProbe();

    /** One batch's figures; the GPU memory this NiFi held after it, where it ran on a GPU and the driver says. */
    record BatchTimes(int images, long waitNanos, long prepareNanos, long inferenceNanos, OptionalLong gpuMemoryMebibytes) {

        static BatchTimes of(final int images, final long waitNanos, final long prepareNanos, final long inferenceNanos,
                             final ExecutionProvider activeProvider) {
            return new BatchTimes(images, waitNanos, prepareNanos, inferenceNanos,
                    activeProvider == ExecutionProvider.CPU ? OptionalLong.empty() : GPU_MEMORY.usedMebibytes());
        }
    }

    private long batches;
    private long images;
    private long waitNanos;
    private long prepareNanos;
    private long inferenceNanos;
    private final Map<String, long[]> reportedValues = new HashMap<>();

    synchronized void record(final ProcessSession session, final BatchTimes batch, final int failed) {
        batches++;
        images += batch.images();
        waitNanos += batch.waitNanos();
        prepareNanos += batch.prepareNanos();
        inferenceNanos += batch.inferenceNanos();
        session.adjustCounter(IMAGES, batch.images(), false);
        if (failed > 0) {
            session.adjustCounter(IMAGES_FAILED, failed, false);
        }
        session.adjustCounter(BATCHES, 1, false);
        session.adjustCounter(BATCH_WAIT_MILLISECONDS, millis(batch.waitNanos()), false);
        session.adjustCounter(PREPARE_MILLISECONDS, millis(batch.prepareNanos()), false);
        session.adjustCounter(INFERENCE_MILLISECONDS, millis(batch.inferenceNanos()), false);
        setCounter(session, MEAN_BATCH_SIZE, Math.round((double) images / batches));
        setCounter(session, MEAN_BATCH_WAIT_MILLISECONDS, Math.round(waitNanos / 1e6 / batches));
        setCounter(session, MEAN_INFERENCE_MILLISECONDS, Math.round(inferenceNanos / 1e6 / batches));
        if (images > 0) {
            setCounter(session, MEAN_INFERENCE_MICROSECONDS_PER_IMAGE, Math.round(inferenceNanos / 1e3 / images));
            setCounter(session, MEAN_PREPARE_MICROSECONDS_PER_IMAGE, Math.round(prepareNanos / 1e3 / images));
        }
        if (batch.gpuMemoryMebibytes().isPresent()) {
            setCounter(session, GPU_MEMORY_MEBIBYTES, batch.gpuMemoryMebibytes().getAsLong());
        }
    }

    /** The batch's figures as FlowFile attributes. */
    static Map<String, String> attributes(final BatchTimes batch) {
        final Map<String, String> attributes = new HashMap<>(Map.of(CnnAttributes.BATCH_SIZE, Integer.toString(batch.images()),
                CnnAttributes.BATCH_WAIT_MILLISECONDS, Long.toString(millis(batch.waitNanos())),
                CnnAttributes.PREPARE_MILLISECONDS, Long.toString(millis(batch.prepareNanos())),
                CnnAttributes.INFERENCE_MILLISECONDS, Long.toString(millis(batch.inferenceNanos()))));
        batch.gpuMemoryMebibytes().ifPresent(mebibytes -> attributes.put(CnnAttributes.GPU_MEMORY_MEBIBYTES, Long.toString(mebibytes)));
        return attributes;
    }

    static FlowFile putAttributes(final ProcessSession session, final FlowFile flowFile, final BatchTimes batch) {
        return session.putAllAttributes(flowFile, attributes(batch));
    }

    /** Brings a counter to {@code value} by adding the change since the last report (NiFi counters only add). */
    private void setCounter(final ProcessSession session, final String counter, final long value) {
        final long[] reported = reportedValues.computeIfAbsent(counter, ignored -> new long[1]);
        if (value != reported[0]) {
            session.adjustCounter(counter, value - reported[0], false);
            reported[0] = value;
        }
    }

    private static long millis(final long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}

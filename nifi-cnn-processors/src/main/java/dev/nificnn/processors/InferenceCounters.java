package dev.nificnn.processors;

import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.processor.ProcessSession;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the NiFi counters of an inference processor, the figures operators know from model servers: images, batches
 * (executions), failures, total and mean batch wait, preparation (decode, resize, pack) and inference time, per batch and
 * per image, and the mean batch size. NiFi counters only add deltas, so each mean is kept as a running value and adjusted
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

    static final String BATCH_SIZE_ATTRIBUTE = "cnn.batch.size";
    static final String BATCH_WAIT_ATTRIBUTE = "cnn.batch.wait.ms";
    static final String PREPARE_ATTRIBUTE = "cnn.prepare.ms";
    static final String INFERENCE_ATTRIBUTE = "cnn.inference.ms";

    /** One batch's figures. */
    record BatchTimes(int images, long waitNanos, long prepareNanos, long inferenceNanos) {
    }

    private long batches;
    private long images;
    private long waitNanos;
    private long prepareNanos;
    private long inferenceNanos;
    private final Map<String, long[]> reportedMeans = new HashMap<>();

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
        reportMean(session, MEAN_BATCH_SIZE, Math.round((double) images / batches));
        reportMean(session, MEAN_BATCH_WAIT_MILLISECONDS, Math.round(waitNanos / 1e6 / batches));
        reportMean(session, MEAN_INFERENCE_MILLISECONDS, Math.round(inferenceNanos / 1e6 / batches));
        if (images > 0) {
            reportMean(session, MEAN_INFERENCE_MICROSECONDS_PER_IMAGE, Math.round(inferenceNanos / 1e3 / images));
            reportMean(session, MEAN_PREPARE_MICROSECONDS_PER_IMAGE, Math.round(prepareNanos / 1e3 / images));
        }
    }

    /** The batch's figures as FlowFile attributes. */
    static Map<String, String> attributes(final BatchTimes batch) {
        return Map.of(BATCH_SIZE_ATTRIBUTE, Integer.toString(batch.images()),
                BATCH_WAIT_ATTRIBUTE, Long.toString(millis(batch.waitNanos())),
                PREPARE_ATTRIBUTE, Long.toString(millis(batch.prepareNanos())),
                INFERENCE_ATTRIBUTE, Long.toString(millis(batch.inferenceNanos())));
    }

    static FlowFile putAttributes(final ProcessSession session, final FlowFile flowFile, final BatchTimes batch) {
        return session.putAllAttributes(flowFile, attributes(batch));
    }

    private void reportMean(final ProcessSession session, final String counter, final long mean) {
        final long[] reported = reportedMeans.computeIfAbsent(counter, ignored -> new long[1]);
        if (mean != reported[0]) {
            session.adjustCounter(counter, mean - reported[0], false);
            reported[0] = mean;
        }
    }

    private static long millis(final long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}

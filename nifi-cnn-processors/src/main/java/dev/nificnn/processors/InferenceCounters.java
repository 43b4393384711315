package dev.nificnn.processors;

import org.apache.nifi.processor.ProcessSession;

/**
 * Keeps the NiFi counters of an inference processor: images, batches, failures, total inference milliseconds and the
 * mean milliseconds per batch. NiFi counters only add deltas, so the mean is kept as a running value adjusted by its change.
 */
final class InferenceCounters {

    static final String IMAGES = "Images";
    static final String IMAGES_FAILED = "Images Failed";
    static final String BATCHES = "Batches";
    static final String INFERENCE_MILLISECONDS = "Inference Milliseconds";
    static final String MEAN_INFERENCE_MILLISECONDS = "Mean Inference Milliseconds Per Batch";

    private long batches;
    private long totalNanos;
    private long reportedMeanMillis;

    synchronized void record(final ProcessSession session, final int images, final int failed, final long inferenceNanos) {
        batches++;
        totalNanos += inferenceNanos;
        final long meanMillis = Math.round(totalNanos / 1e6 / batches);
        session.adjustCounter(IMAGES, images, false);
        if (failed > 0) {
            session.adjustCounter(IMAGES_FAILED, failed, false);
        }
        session.adjustCounter(BATCHES, 1, false);
        session.adjustCounter(INFERENCE_MILLISECONDS, Math.round(inferenceNanos / 1e6), false);
        if (meanMillis != reportedMeanMillis) {
            session.adjustCounter(MEAN_INFERENCE_MILLISECONDS, meanMillis - reportedMeanMillis, false);
            reportedMeanMillis = meanMillis;
        }
    }
}

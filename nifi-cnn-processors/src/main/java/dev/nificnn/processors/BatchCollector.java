package dev.nificnn.processors;

import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.util.StandardValidators;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Takes the FlowFiles of one inference batch from the queue: up to Batch Size at once and, with a Max Batch Wait, waits up
 * to that long for a fuller batch, as model servers batch dynamically (Triton's max queue delay), so that a GPU sees full
 * batches on a slow stream.
 */
final class BatchCollector {

    public static final PropertyDescriptor MAX_BATCH_WAIT = new PropertyDescriptor.Builder()
            .name("Max Batch Wait")
            .description("How long to wait for a full batch (Batch Size FlowFiles) before running a partial one. 0 sec, the default, runs"
                    + " whatever is queued at once. A wait holds one task's thread for up to this long, checking the queue about every"
                    + " millisecond, and adds up to this much latency to each image; it pays off where a batch costs little more than"
                    + " one image (a GPU) and FlowFiles arrive more slowly than batches run. The wait of each batch is written to"
                    + " cnn.batch.wait.ms and added to the Batch Wait Milliseconds counter.")
            .required(true)
            .defaultValue("0 sec")
            .addValidator(StandardValidators.createTimePeriodValidator(0, TimeUnit.MILLISECONDS, 60, TimeUnit.SECONDS))
            .build();

    /** How often the queue is looked at while waiting: short against any useful wait, long against a queue poll. */
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    /** The FlowFiles taken and how long was spent waiting for more than the first take brought. */
    record Batch(List<FlowFile> flowFiles, long waitNanos) {
    }

    private BatchCollector() {
    }

    static Batch collect(final ProcessSession session, final int batchSize, final long maxWaitNanos) {
        final List<FlowFile> flowFiles = new ArrayList<>(session.get(batchSize));
        if (flowFiles.isEmpty() || flowFiles.size() >= batchSize || maxWaitNanos <= 0) {
            return new Batch(flowFiles, 0);
        }
        final long started = System.nanoTime();
        long waited = 0;
        while (flowFiles.size() < batchSize && waited < maxWaitNanos && !Thread.currentThread().isInterrupted()) {
            LockSupport.parkNanos(Math.min(POLL_NANOS, maxWaitNanos - waited));
            flowFiles.addAll(session.get(batchSize - flowFiles.size()));
            waited = System.nanoTime() - started;
        }
        return new Batch(flowFiles, waited);
    }
}

package dev.nificnn.processors;

import dev.nificnn.onnx.BatchInference;
import dev.nificnn.onnx.ModelLease;
import dev.nificnn.onnx.OnnxModel;
import dev.nificnn.services.OnnxModelProvider;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.logging.ComponentLog;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.Relationship;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The batch step ClassifyImage and ExtractImageFeatures share: take a batch, lease the model, prepare the inputs, run them in
 * one inference, time it, hand the processor what succeeded, then route every failure alike (cnn.error, cnn.model.id,
 * cnn.provider) and record the counters. The processor only turns model outputs into its own FlowFiles.
 */
final class InferenceBatchStep {

    /** What one inference of a batch gave: the model, its timings, each input that ran with its outputs, and the failures. */
    static final class Ran {

        private final OnnxModel model;
        private final InferenceCounters.BatchTimes times;
        private final BatchInference.Result result;
        private final List<FlowFile> succeeded = new ArrayList<>();
        private final List<BatchInference.Outcome> outcomes = new ArrayList<>();
        private final Map<FlowFile, String> failures;

        private Ran(final OnnxModel model, final InferenceCounters.BatchTimes times, final ModelInputs.Prepared prepared,
                    final BatchInference.Result result) {
            this.model = model;
            this.times = times;
            this.result = result;
            this.failures = new LinkedHashMap<>(prepared.rejected());
            for (int i = 0; i < prepared.accepted().size(); i++) {
                final BatchInference.Outcome outcome = result.outcomes().get(i);
                if (outcome.failed()) {
                    failures.put(prepared.accepted().get(i), outcome.error());
                } else {
                    succeeded.add(prepared.accepted().get(i));
                    outcomes.add(outcome);
                }
            }
        }

        OnnxModel model() {
            return model;
        }

        /** The display name of the execution provider that ran the batch, as cnn.provider gives it. */
        String providerName() {
            return model.activeProvider().getDisplayName();
        }

        InferenceCounters.BatchTimes times() {
            return times;
        }

        /** Shape of one image's value of each requested output (batch dimension removed), in the order asked. */
        long[] imageShape(final int output) {
            return result.imageShapes()[output];
        }

        /** The inputs whose inference succeeded, in batch order. */
        List<FlowFile> succeeded() {
            return succeeded;
        }

        /** The outputs of {@code succeeded().get(index)}, in the order asked. */
        float[][] outputs(final int index) {
            return outcomes.get(index).outputs();
        }

        /** Sends an input that succeeded at inference to failure after all (e.g. its result cannot be written). */
        void fail(final FlowFile flowFile, final String reason) {
            failures.put(flowFile, reason);
        }
    }

    private final ModelInputs inputs;
    private final InferenceCounters counters;
    private final ComponentLog logger;
    private final Relationship failure;
    private final String action;

    /**
     * @param action what the processor does to an input, for failure logs: "classify", "extract features of"
     */
    InferenceBatchStep(final ModelInputs inputs, final InferenceCounters counters, final ComponentLog logger, final Relationship failure,
                       final String action) {
        this.inputs = inputs;
        this.counters = counters;
        this.logger = logger;
        this.failure = failure;
        this.action = action;
    }

    /**
     * Runs one batch. {@code outputsOf} names the tensors to read from the leased model; when it throws
     * IllegalArgumentException (a reloaded model lacks the layer) the batch goes back to the queue: a configuration problem,
     * not bad input. {@code handler} transfers what succeeded; everything that failed goes to failure afterwards.
     */
    void run(final ProcessContext context, final ProcessSession session, final OnnxModelProvider provider, final int batchSize,
             final Function<OnnxModel, List<String>> outputsOf, final Consumer<Ran> handler) {
        final BatchCollector.Batch batch = BatchCollector.collect(session, batchSize,
                context.getProperty(BatchCollector.MAX_BATCH_WAIT).asTimePeriod(TimeUnit.NANOSECONDS));
        if (batch.flowFiles().isEmpty()) {
            return;
        }
        final ModelLease modelLease = ModelLeases.acquireOrReturnBatch(provider, context, session, logger);
        if (modelLease == null) {
            return;
        }
        try (ModelLease lease = modelLease) {
            final OnnxModel model = lease.model();
            final List<String> outputs;
            try {
                outputs = outputsOf.apply(model);
            } catch (final IllegalArgumentException e) {
                logger.error("FlowFiles returned to the queue: {}", e.getMessage());
                session.rollback();
                context.yield();
                return;
            }
            final long preparing = System.nanoTime();
            final ModelInputs.Prepared prepared = inputs.prepare(session, batch.flowFiles(), model);
            final long started = System.nanoTime();
            final BatchInference.Result result = BatchInference.run(model, prepared.buffer(), prepared.accepted().size(), outputs);
            final long inferenceNanos = System.nanoTime() - started;
            final InferenceCounters.BatchTimes times = InferenceCounters.BatchTimes.of(batch.flowFiles().size(), batch.waitNanos(),
                    started - preparing, inferenceNanos, model.activeProvider());
            final Ran ran = new Ran(model, times, prepared, result);
            handler.accept(ran);
            for (final Map.Entry<FlowFile, String> failed : ran.failures.entrySet()) {
                logger.error("Cannot {} {} with model {}: {}", action, failed.getKey(), model.modelId(), failed.getValue());
                session.transfer(session.putAllAttributes(failed.getKey(), Map.of(CnnAttributes.ERROR, failed.getValue(),
                        CnnAttributes.MODEL_ID, model.modelId(), CnnAttributes.PROVIDER, ran.providerName())), failure);
            }
            counters.record(session, times, ran.failures.size());
            logger.debug("Batch of {} images: inference {} ms", batch.flowFiles().size(), TimeUnit.NANOSECONDS.toMillis(inferenceNanos));
        }
    }
}

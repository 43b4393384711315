package dev.nificnn.processors;

import dev.nificnn.onnx.ModelLease;
import dev.nificnn.onnx.ModelUnavailableException;
import dev.nificnn.services.OnnxModelProvider;
import org.apache.nifi.logging.ComponentLog;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;

/** How the inference processors take hold of the service's model for one batch. */
final class ModelLeases {

    private ModelLeases() {
    }

    /**
     * A lease on the model, or null when the service is being disabled: then the batch goes back to the queue (the session is
     * rolled back) and the processor yields, because nothing is wrong with the FlowFiles.
     */
    static ModelLease acquireOrReturnBatch(final OnnxModelProvider provider, final ProcessContext context, final ProcessSession session,
                                           final ComponentLog logger) {
        try {
            return provider.acquire();
        } catch (final ModelUnavailableException e) {
            logger.warn("Model not available, FlowFiles returned to the queue: {}", e.getMessage());
            session.rollback();
            context.yield();
            return null;
        }
    }
}

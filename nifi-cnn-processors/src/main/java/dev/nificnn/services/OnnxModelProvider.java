package dev.nificnn.services;

import dev.nificnn.onnx.ModelLease;
import dev.nificnn.onnx.ModelUnavailableException;
import dev.nificnn.onnx.OnnxModel;
import org.apache.nifi.controller.ControllerService;

/** Shares one loaded ONNX model (one ONNX Runtime session) among every task of every processor that uses it. */
public interface OnnxModelProvider extends ControllerService {

    /**
     * Takes a lease on the current model for one batch; close it when the batch is done. A model that was reloaded
     * meanwhile stays open until every lease on it is closed.
     *
     * @throws ModelUnavailableException when the service is not enabled, or is being disabled
     */
    ModelLease acquire();

    /** The current model, for describing it (model id, provider, taps) but not for running it without a lease. */
    OnnxModel currentModel();

    /**
     * How many ONNX Runtime sessions were created for this service's model since it was loaded: 1 unless the model was
     * reloaded. Services configured alike share one model, and so this count.
     */
    long sessionsCreated();
}

package dev.nificnn.onnx;

/** A hold on a loaded model while a batch runs: the model is not closed (even when reloaded) until every lease is closed. */
public final class ModelLease implements AutoCloseable {

    private final OnnxModel model;
    private boolean released;

    ModelLease(final OnnxModel model) {
        this.model = model;
    }

    public OnnxModel model() {
        return model;
    }

    @Override
    public void close() {
        if (!released) {
            released = true;
            model.release();
        }
    }
}

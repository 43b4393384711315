package dev.nificnn.onnx.generate;

/** Small generated ONNX models with known weights whose outputs the tests work out by hand. */
public final class SmallModels {

    private SmallModels() {
    }

    /**
     * Input [N,2,2,2]; 1x1 conv to 2 channels; ReLU; global average pool; flatten; Gemm to 2 logits; softmax.
     * The weights are chosen so that every intermediate value is worked out by hand in the tests that use it.
     */
    public static OnnxModelBuilder smallClassifier() {
        return new OnnxModelBuilder("small-classifier")
                .input("image", OnnxElementType.FLOAT, OnnxModelBuilder.BATCH, 2, 2, 2)
                .initializer("conv_w", new float[] {1, 1, 1, -1}, 2, 2, 1, 1)
                .initializer("conv_b", new float[] {0, -2}, 2)
                .initializer("dense_w", new float[] {1, 4, 0.5f, -2}, 2, 2)
                .initializer("dense_b", new float[] {0, 1}, 2)
                .conv("image", "conv_w", "conv_b", "conv", 1, 1, 0)
                .relu("conv", "relu")
                .globalAveragePool("relu", "pooled")
                .flatten("pooled", "features", 1)
                .gemm("features", "dense_w", "dense_b", "logits", true)
                .softmax("logits", "probabilities", 1)
                .output("probabilities", OnnxElementType.FLOAT, OnnxModelBuilder.BATCH, 2);
    }

    /** Two images: x and -x, with x channel 0 = [1,2,3,4] and channel 1 = [0,0,1,1] (row-major 2x2). */
    public static float[] smallClassifierInput() {
        return new float[] {1, 2, 3, 4, 0, 0, 1, 1, -1, -2, -3, -4, 0, 0, -1, -1};
    }
}

package dev.nificnn.onnx;

/** What a model's class output holds: probabilities already, or logits that need a softmax. */
public enum OutputKind {
    PROBABILITIES,
    LOGITS
}

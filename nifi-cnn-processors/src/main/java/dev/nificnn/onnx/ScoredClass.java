package dev.nificnn.onnx;

/**
 * One class of a classification and its probability.
 *
 * @param index position in the model's output
 * @param label class name from the label file, or "class N" when the model has none
 */
public record ScoredClass(int index, String label, float score) {
}

package dev.nificnn.onnx;

import java.util.ArrayList;
import java.util.List;

/** Turns a classifier output into the K most likely classes, applying a softmax first when the output holds logits. */
public final class Classification {

    private Classification() {
    }

    /** The K classes with the highest scores, best first (ties: lower index first). */
    public static List<ScoredClass> topK(final float[] output, final OutputKind kind, final List<String> labels, final int k) {
        final float[] scores = kind == OutputKind.LOGITS ? softmax(output) : output;
        final int count = Math.min(k, scores.length);
        final int[] best = new int[count];
        int found = 0;
        for (int index = 0; index < scores.length; index++) {
            // Insertion into a small sorted array: K is small, outputs have around 1000 classes.
            int position = found;
            while (position > 0 && scores[index] > scores[best[position - 1]]) {
                position--;
            }
            if (position < count) {
                final int last = Math.min(found, count - 1);
                System.arraycopy(best, position, best, position + 1, last - position);
                best[position] = index;
                found = Math.min(found + 1, count);
            }
        }
        final List<ScoredClass> classes = new ArrayList<>(count);
        for (int i = 0; i < found; i++) {
            final int index = best[i];
            final String label = labels != null && index < labels.size() ? labels.get(index) : "class " + index;
            classes.add(new ScoredClass(index, label, scores[index]));
        }
        return classes;
    }

    /** Softmax computed stably (the maximum is subtracted before exponentiating). */
    public static float[] softmax(final float[] logits) {
        float maximum = Float.NEGATIVE_INFINITY;
        for (final float logit : logits) {
            maximum = Math.max(maximum, logit);
        }
        final float[] probabilities = new float[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            final double exponential = Math.exp(logits[i] - maximum);
            probabilities[i] = (float) exponential;
            sum += exponential;
        }
        for (int i = 0; i < probabilities.length; i++) {
            probabilities[i] = (float) (probabilities[i] / sum);
        }
        return probabilities;
    }
}

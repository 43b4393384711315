package dev.nificnn.classifier;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerStandardize;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Objects;

/**
 * A trained classifier ready to score feature vectors: network, normaliser and metadata of one artifact.
 * <p>
 * Thread-safe: a {@link MultiLayerNetwork} is not, so scoring calls are serialised on this object. A batch of rows is one
 * matrix operation, so callers should score many rows per call.
 */
public final class ClassifierModel {

    private final MultiLayerNetwork network;
    private final NormalizerStandardize normalizer;
    private final ArtifactMetadata metadata;

    public ClassifierModel(final MultiLayerNetwork network, final NormalizerStandardize normalizer, final ArtifactMetadata metadata) {
        this.network = Objects.requireNonNull(network, "network");
        this.normalizer = Objects.requireNonNull(normalizer, "normalizer");
        this.metadata = Objects.requireNonNull(metadata, "metadata");
    }

    public ArtifactMetadata metadata() {
        return metadata;
    }

    /** Returns the class labels in output order. */
    public List<String> labels() {
        return metadata.labels();
    }

    /** Returns the feature vector length the model takes. */
    public int featureLength() {
        return metadata.featureLength();
    }

    /**
     * Returns class probabilities for rows feature vectors, row after row (rows x classes values).
     *
     * @param features raw (unstandardised) features, row-major, at least rows x featureLength values
     * @param rows number of rows to score
     */
    public float[] probabilities(final float[] features, final int rows) {
        final int columns = featureLength();
        if ((long) rows * columns > features.length) {
            throw new IllegalArgumentException(rows + " rows of " + columns + " features do not fit in " + features.length + " values");
        }
        if (rows == 0) {
            return new float[0];
        }
        final float[] exact = features.length == rows * columns ? features : java.util.Arrays.copyOf(features, rows * columns);
        final INDArray input = Nd4j.create(exact, new long[] {rows, columns}, DataType.FLOAT);
        synchronized (this) {
            normalizer.transform(input);
            final INDArray output = network.output(input, false);
            return CandidateTrainer.rowMajor(output);
        }
    }

    /**
     * Returns the indexes of the k most probable classes of one row, most probable first (ties: lower index first).
     *
     * @param probabilities probabilities of many rows
     * @param row which row
     * @param k how many classes (at most the class count)
     */
    public int[] topClasses(final float[] probabilities, final int row, final int k) {
        final int classCount = labels().size();
        final int count = Math.min(k, classCount);
        final int offset = row * classCount;
        final int[] top = new int[count];
        final boolean[] taken = new boolean[classCount];
        for (int rank = 0; rank < count; rank++) {
            int best = -1;
            for (int classIndex = 0; classIndex < classCount; classIndex++) {
                if (!taken[classIndex] && (best < 0 || probabilities[offset + classIndex] > probabilities[offset + best])) {
                    best = classIndex;
                }
            }
            taken[best] = true;
            top[rank] = best;
        }
        return top;
    }
}

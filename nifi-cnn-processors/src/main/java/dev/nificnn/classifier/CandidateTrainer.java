package dev.nificnn.classifier;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

/**
 * Fits one candidate network with mini-batch Adam on standardised rows, stopping early when the validation loss stops falling,
 * halving the learning rate after each epoch that does not lower it, and keeps the parameters of the epoch with the lowest validation loss.
 */
public final class CandidateTrainer {

    private static final int SCORING_BATCH_ROWS = 4096;
    private static final double MINIMUM_IMPROVEMENT = 1e-5;
    private static final double LEARNING_RATE_DECAY = 0.5;

    private CandidateTrainer() {
    }

    /**
     * Trains a candidate.
     *
     * @param kind which classifier
     * @param matrix the standardised matrix
     * @param split its training and validation rows
     * @param settings hyperparameters and seed
     */
    public static CandidateResult train(final ClassifierKind kind, final FeatureMatrix matrix, final StratifiedSplit split, final TrainingSettings settings) {
        return train(kind, matrix, split, settings, EpochListener.NONE);
    }

    /** Trains a candidate, telling the listener the validation loss and accuracy after every epoch. */
    public static CandidateResult train(final ClassifierKind kind, final FeatureMatrix matrix, final StratifiedSplit split, final TrainingSettings settings,
                                        final EpochListener listener) {
        final long started = System.nanoTime();
        // Seeds ND4J's (thread-local) random source as well, which dropout masks draw from.
        Nd4j.getRandom().setSeed(settings.seed());
        final MultiLayerNetwork network = NetworkFactory.create(kind, matrix.columns(), matrix.classCount(), settings);
        final int[] order = split.trainingRows().clone();
        final Random random = new Random(settings.seed() ^ kind.ordinal());
        double bestLoss = Double.POSITIVE_INFINITY;
        INDArray bestParameters = network.params().dup();
        int bestEpoch = 0;
        int epoch = 0;
        double learningRate = settings.learningRate();
        while (epoch < settings.maximumEpochs() && epoch - bestEpoch < settings.patience()) {
            epoch++;
            StratifiedSplit.shuffle(order, random);
            for (int start = 0; start < order.length; start += settings.batchSize()) {
                final int end = Math.min(order.length, start + settings.batchSize());
                network.fit(batch(matrix, order, start, end));
            }
            final double[] lossAndAccuracy = validationLossAndAccuracy(network, matrix, split.validationRows());
            final double loss = lossAndAccuracy[0];
            listener.epochDone(kind, epoch, settings.maximumEpochs(), loss, lossAndAccuracy[1]);
            if (Double.isNaN(loss)) {
                break;
            }
            if (loss < bestLoss - MINIMUM_IMPROVEMENT) {
                bestLoss = loss;
                bestEpoch = epoch;
                bestParameters = network.params().dup();
            } else {
                // Reduce on plateau: smaller Adam steps settle the noisy mini-batch optimum instead of circling it.
                learningRate *= LEARNING_RATE_DECAY;
                network.setLearningRate(learningRate);
            }
        }
        network.setParams(bestParameters);
        final int[] validationRows = split.validationRows();
        final int[] predicted = predictClasses(network, matrix, validationRows);
        final int[] actual = new int[validationRows.length];
        for (int index = 0; index < validationRows.length; index++) {
            actual[index] = matrix.classIndexes()[validationRows[index]];
        }
        final ClassificationReport report = ClassificationReport.of(actual, predicted, matrix.classLabels());
        return new CandidateResult(kind, network, report, bestLoss, epoch, bestEpoch, (System.nanoTime() - started) / 1_000_000);
    }

    private static DataSet batch(final FeatureMatrix matrix, final int[] rows, final int start, final int end) {
        final int columns = matrix.columns();
        final int classCount = matrix.classCount();
        final int size = end - start;
        final float[] features = new float[size * columns];
        final float[] labels = new float[size * classCount];
        final float[] values = matrix.values();
        final int[] classIndexes = matrix.classIndexes();
        for (int index = 0; index < size; index++) {
            final int row = rows[start + index];
            System.arraycopy(values, row * columns, features, index * columns, columns);
            labels[index * classCount + classIndexes[row]] = 1f;
        }
        return new DataSet(Nd4j.create(features, new long[] {size, columns}, DataType.FLOAT),
                Nd4j.create(labels, new long[] {size, classCount}, DataType.FLOAT));
    }

    /** Returns class probabilities of the given rows, row after row. */
    static float[] probabilities(final MultiLayerNetwork network, final FeatureMatrix matrix, final int[] rows) {
        final int columns = matrix.columns();
        final int classCount = matrix.classCount();
        final float[] result = new float[rows.length * classCount];
        final float[] values = matrix.values();
        for (int start = 0; start < rows.length; start += SCORING_BATCH_ROWS) {
            final int size = Math.min(SCORING_BATCH_ROWS, rows.length - start);
            final float[] features = new float[size * columns];
            for (int index = 0; index < size; index++) {
                System.arraycopy(values, rows[start + index] * columns, features, index * columns, columns);
            }
            final INDArray output = network.output(Nd4j.create(features, new long[] {size, columns}, DataType.FLOAT), false);
            System.arraycopy(rowMajor(output), 0, result, start * classCount, size * classCount);
        }
        return result;
    }

    /** Returns the mean negative log-likelihood and the accuracy over the rows, from one pass of predictions. */
    private static double[] validationLossAndAccuracy(final MultiLayerNetwork network, final FeatureMatrix matrix, final int[] rows) {
        final float[] probabilities = probabilities(network, matrix, rows);
        final int classCount = matrix.classCount();
        double sum = 0;
        long correct = 0;
        for (int index = 0; index < rows.length; index++) {
            final int actual = matrix.classIndexes()[rows[index]];
            final float probability = probabilities[index * classCount + actual];
            sum -= Math.log(Math.max(probability, 1e-12));
            if (argmax(probabilities, index * classCount, classCount) == actual) {
                correct++;
            }
        }
        return new double[] {sum / rows.length, (double) correct / rows.length};
    }

    private static int[] predictClasses(final MultiLayerNetwork network, final FeatureMatrix matrix, final int[] rows) {
        final float[] probabilities = probabilities(network, matrix, rows);
        final int classCount = matrix.classCount();
        final int[] predicted = new int[rows.length];
        for (int index = 0; index < rows.length; index++) {
            predicted[index] = argmax(probabilities, index * classCount, classCount);
        }
        return predicted;
    }

    /** Returns a 2-D array's values row after row, whatever its memory order (DL4J activations are often column-major). */
    static float[] rowMajor(final INDArray array) {
        final INDArray contiguous = array.ordering() == 'c' && !array.isView() ? array : array.dup('c');
        return contiguous.data().asFloat();
    }

    static int argmax(final float[] values, final int offset, final int length) {
        int best = 0;
        for (int index = 1; index < length; index++) {
            if (values[offset + index] > values[offset + best]) {
                best = index;
            }
        }
        return best;
    }
}

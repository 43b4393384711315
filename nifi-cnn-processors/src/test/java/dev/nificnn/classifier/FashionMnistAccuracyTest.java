package dev.nificnn.classifier;

import dev.nificnn.dataset.IdxReader;
import dev.nificnn.dataset.LabelledImages;
import dev.nificnn.testing.SharedData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Accuracy on real data: Fashion-MNIST raw pixels, 60,000 training images (10% held out for validation) and the 10,000 test images.
 */
class FashionMnistAccuracyTest {

    private static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
            "Sneaker", "Bag", "Ankle boot");

    private static byte[] trainImages;
    private static byte[] trainLabels;
    private static byte[] testImages;
    private static byte[] testLabels;

    @BeforeAll
    static void readDataset() throws Exception {
        final LabelledImages train = IdxReader.read(SharedData.require("fashion-mnist/train-images-idx3-ubyte.gz"),
                SharedData.require("fashion-mnist/train-labels-idx1-ubyte.gz"));
        final LabelledImages test = IdxReader.read(SharedData.require("fashion-mnist/t10k-images-idx3-ubyte.gz"),
                SharedData.require("fashion-mnist/t10k-labels-idx1-ubyte.gz"));
        assertEquals(60_000, train.count());
        assertEquals(10_000, test.count());
        assertEquals(784, train.height() * train.width() * train.channels());
        trainImages = train.pixels();
        trainLabels = train.labels();
        testImages = test.pixels();
        testLabels = test.labels();
    }

    @Test
    void softmaxRegressionReachesEightyFourPercent() throws Exception {
        final TrainingSettings settings = TrainingSettings.defaults().withCandidates(Set.of(ClassifierKind.SOFTMAX_REGRESSION))
                .withBatchSize(256).withEpochs(30, 4);
        final double accuracy = trainAndTest(settings, "softmax-regression");
        assertTrue(accuracy >= 0.84, "Softmax regression test accuracy " + accuracy);
    }

    @Test
    void multilayerPerceptronReachesEightyEightPercent() throws Exception {
        final TrainingSettings settings = TrainingSettings.defaults().withCandidates(Set.of(ClassifierKind.MULTILAYER_PERCEPTRON))
                .withBatchSize(256).withEpochs(12, 3);
        final double accuracy = trainAndTest(settings, "multilayer-perceptron");
        assertTrue(accuracy >= 0.88, "Multilayer perceptron test accuracy " + accuracy);
    }

    private static double trainAndTest(final TrainingSettings settings, final String expectedClassifier) throws Exception {
        final FeatureMatrix training = matrix(trainImages, trainLabels);
        final long started = System.nanoTime();
        final TrainedClassifier trained = ClassifierTrainer.train(training, settings, new FeatureSource("raw-pixels", "input"));
        final long trainingMillis = (System.nanoTime() - started) / 1_000_000;
        assertEquals(expectedClassifier, trained.metadata().selectedClassifier());
        final ClassifierModel model = new ClassifierModel(trained.network(), trained.normalizer(), trained.metadata());

        final FeatureMatrix test = matrix(testImages, testLabels);
        final float[] probabilities = model.probabilities(test.values(), test.rows());
        final int[] predicted = new int[test.rows()];
        for (int row = 0; row < test.rows(); row++) {
            predicted[row] = model.topClasses(probabilities, row, 1)[0];
        }
        final ClassificationReport report = ClassificationReport.of(Arrays.copyOf(test.classIndexes(), test.rows()), predicted, test.classLabels());
        System.out.printf("Fashion-MNIST %s: validation accuracy %.4f, test accuracy %.4f, epochs %d (best %d), %d ms%n", expectedClassifier,
                trained.validation().accuracy(), report.accuracy(), trained.candidates().getFirst().epochs(),
                trained.candidates().getFirst().bestEpoch(), trainingMillis);
        return report.accuracy();
    }

    private static FeatureMatrix matrix(final byte[] images, final byte[] labels) throws ClassifierInputException {
        final FeatureMatrixBuilder builder = new FeatureMatrixBuilder(1L << 30);
        final float[] pixels = new float[784];
        for (int image = 0; image < labels.length; image++) {
            for (int pixel = 0; pixel < 784; pixel++) {
                pixels[pixel] = (images[image * 784 + pixel] & 0xFF) / 255f;
            }
            // Two-digit prefixes keep the alphabetical class order equal to Fashion-MNIST's label order.
            builder.add(pixels, String.format("%02d %s", labels[image], CLASSES.get(labels[image])));
        }
        return builder.build();
    }
}

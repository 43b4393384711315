package dev.nificnn.classifier;

import dev.nificnn.testing.SharedData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPInputStream;

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
    static void readDataset() throws IOException {
        trainImages = idxPayload(SharedData.require("fashion-mnist/train-images-idx3-ubyte.gz"), 0x803);
        trainLabels = idxPayload(SharedData.require("fashion-mnist/train-labels-idx1-ubyte.gz"), 0x801);
        testImages = idxPayload(SharedData.require("fashion-mnist/t10k-images-idx3-ubyte.gz"), 0x803);
        testLabels = idxPayload(SharedData.require("fashion-mnist/t10k-labels-idx1-ubyte.gz"), 0x801);
        assertEquals(60_000, trainLabels.length);
        assertEquals(60_000 * 784, trainImages.length);
        assertEquals(10_000, testLabels.length);
    }

    @Test
    void softmaxRegressionReachesEightyFourPercent() throws Exception {
        final TrainingSettings settings = TrainingSettings.defaults().withCandidates(Set.of(ClassifierKind.SOFTMAX_REGRESSION))
                .withBatchSize(256).withEpochs(20, 3);
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
        final ClassificationReport report = ClassificationReport.of(java.util.Arrays.copyOf(test.classIndexes(), test.rows()), predicted, test.classLabels());
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

    /** Reads an IDX file's payload after checking its magic number (a private reader until the dataset package's IdxReader is merged). */
    private static byte[] idxPayload(final Path file, final int magic) throws IOException {
        try (InputStream raw = Files.newInputStream(file); DataInputStream input = new DataInputStream(new GZIPInputStream(raw, 1 << 16))) {
            final int actualMagic = input.readInt();
            assertEquals(magic, actualMagic, "IDX magic of " + file);
            final int dimensions = actualMagic & 0xFF;
            long size = 1;
            for (int dimension = 0; dimension < dimensions; dimension++) {
                size *= input.readInt();
            }
            final byte[] payload = new byte[(int) size];
            input.readFully(payload);
            return payload;
        }
    }
}

package dev.nificnn.classifier;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ClassifierArtifactTest {

    @TempDir
    Path directory;

    @Test
    void readsBackWhatTheWriterWroteAndScoresLikeTheTrainedNetwork() throws Exception {
        for (final ClassifierKind kind : List.of(ClassifierKind.SOFTMAX_REGRESSION, ClassifierKind.MULTILAYER_PERCEPTRON)) {
            final TrainingSettings settings = TrainingSettings.defaults().withCandidates(Set.of(kind)).withEpochs(3, 1).withBatchSize(32)
                    .withLearningRate(0.01).withHiddenLayers(List.of(16), 0.0);
            final TrainedClassifier trained = ClassifierTrainer.train(GaussianClusters.matrix(60, 5, 3, 0.5, 1), settings, FeatureSource.UNKNOWN);
            final Path file = directory.resolve(kind + ".classifier.zip");
            ClassifierArtifact.write(trained, file);
            final DirectorySnapshot before = DirectorySnapshot.of(directory);

            final ClassifierModel model = ClassifierArtifact.read(file);

            assertEquals(before, DirectorySnapshot.of(directory), "reading writes nothing");
            assertEquals(List.of("class-0", "class-1", "class-2"), model.labels());
            assertEquals(5, model.featureLength());
            final float[] features = {1, 2, 3, 4, 5, -1, 0.5f, 2, 7, 1};
            assertArrayEquals(expected(trained, features), model.probabilities(features, 2), 1e-6f, kind.toString());
        }
    }

    /** What the in-memory trained network gives for the same rows, standardised by its own normaliser. */
    private static float[] expected(final TrainedClassifier trained, final float[] features) {
        final INDArray input = Nd4j.create(features.clone(), new long[] {2, 5}, DataType.FLOAT);
        trained.normalizer().transform(input);
        final MultiLayerNetwork network = trained.network();
        return network.output(input, false).data().asFloat();
    }
}

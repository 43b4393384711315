package dev.nificnn.classifier;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;

/** Builds the seeded, initialised DL4J network of each candidate kind. */
final class NetworkFactory {

    private NetworkFactory() {
    }

    static MultiLayerNetwork create(final ClassifierKind kind, final int featureLength, final int classCount, final TrainingSettings settings) {
        final NeuralNetConfiguration.ListBuilder layers = new NeuralNetConfiguration.Builder()
                .seed(settings.seed())
                .dataType(DataType.FLOAT)
                .weightInit(WeightInit.XAVIER)
                .updater(new Adam(settings.learningRate()))
                .l2(settings.l2())
                .list();
        int inputs = featureLength;
        int layerIndex = 0;
        final boolean hidden = kind == ClassifierKind.MULTILAYER_PERCEPTRON;
        // DL4J applies a layer's dropout to that layer's input, so it goes on every layer fed by a hidden layer.
        final double retainProbability = 1 - settings.dropoutRate();
        if (hidden) {
            final List<Integer> sizes = settings.hiddenLayerSizes();
            for (int index = 0; index < sizes.size(); index++) {
                final DenseLayer.Builder dense = new DenseLayer.Builder().nIn(inputs).nOut(sizes.get(index)).activation(Activation.RELU)
                        .weightInit(WeightInit.RELU);
                if (index > 0 && settings.dropoutRate() > 0) {
                    dense.dropOut(retainProbability);
                }
                layers.layer(layerIndex++, dense.build());
                inputs = sizes.get(index);
            }
        }
        final OutputLayer.Builder output = new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nIn(inputs).nOut(classCount).activation(Activation.SOFTMAX);
        if (hidden && !settings.hiddenLayerSizes().isEmpty() && settings.dropoutRate() > 0) {
            output.dropOut(retainProbability);
        }
        layers.layer(layerIndex, output.build());
        final MultiLayerConfiguration configuration = layers.build();
        final MultiLayerNetwork network = new MultiLayerNetwork(configuration);
        network.init();
        return network;
    }
}

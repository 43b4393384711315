package dev.nificnn.classifier;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.dataset.api.preprocessor.Normalizer;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerStandardize;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Writes and reads the single-file classifier artifact: DL4J's model zip (network configuration and coefficients),
 * with the normaliser DL4J adds to it and a JSON metadata entry of ours.
 */
public final class ClassifierArtifact {

    /** The zip entry holding {@link ArtifactMetadata} as JSON. */
    public static final String METADATA_ENTRY = "nificnn-classifier.json";

    private static final String CONFIGURATION_ENTRY = "configuration.json";
    private static final String COEFFICIENTS_ENTRY = "coefficients.bin";

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ClassifierArtifact() {
    }

    /** Returns the shared JSON mapper (records and enums as plain JSON). */
    public static ObjectMapper jsonMapper() {
        return MAPPER;
    }

    /** Writes the artifact to a file, replacing it. */
    public static void write(final TrainedClassifier trained, final Path file) throws IOException {
        // The overload that also takes the normaliser fails with "stream is closed" in 1.0.0-M2.1: add it in a second step.
        ModelSerializer.writeModel(trained.network(), file.toFile(), false);
        ModelSerializer.addNormalizerToModel(file.toFile(), trained.normalizer());
        try (FileSystem zip = FileSystems.newFileSystem(file)) {
            Files.write(zip.getPath(METADATA_ENTRY), MAPPER.writeValueAsBytes(trained.metadata()));
        }
    }

    /**
     * Reads and checks an artifact.
     *
     * @throws ArtifactFormatException when the file is missing, not a zip, not one of ours, of a newer format, corrupt,
     *     or its network does not match its metadata
     */
    public static ClassifierModel read(final Path file) throws ArtifactFormatException {
        if (!Files.isRegularFile(file)) {
            throw new ArtifactFormatException("Classifier artifact " + file + " does not exist or is not a file");
        }
        final ArtifactMetadata metadata = readMetadata(file);
        final MultiLayerNetwork network;
        final Normalizer<?> normalizer;
        try {
            network = ModelSerializer.restoreMultiLayerNetwork(file.toFile(), false);
            normalizer = ModelSerializer.restoreNormalizerFromFile(file.toFile());
        } catch (final IOException | RuntimeException e) {
            throw new ArtifactFormatException("Classifier artifact " + file + " is corrupt: its network could not be read (" + e.getMessage() + ")", e);
        }
        if (!(normalizer instanceof NormalizerStandardize standardize)) {
            throw new ArtifactFormatException("Classifier artifact " + file + " is corrupt: it holds no standardisation normaliser");
        }
        final int layerCount = network.getnLayers();
        final Layer first = network.getLayerWiseConfigurations().getConf(0).getLayer();
        final Layer last = network.getLayerWiseConfigurations().getConf(layerCount - 1).getLayer();
        if (!(first instanceof FeedForwardLayer firstLayer) || !(last instanceof FeedForwardLayer lastLayer)
                || firstLayer.getNIn() != metadata.featureLength() || lastLayer.getNOut() != metadata.labels().size()
                || standardize.getMean().length() != metadata.featureLength()) {
            throw new ArtifactFormatException("Classifier artifact " + file + " is inconsistent: its network does not take "
                    + metadata.featureLength() + " features and give " + metadata.labels().size() + " class probabilities as its metadata says");
        }
        return new ClassifierModel(network, standardize, metadata);
    }

    /** Reads only the metadata entry, checking that the file is one of our artifacts. */
    public static ArtifactMetadata readMetadata(final Path file) throws ArtifactFormatException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            final ZipEntry entry = zip.getEntry(METADATA_ENTRY);
            if (entry == null) {
                throw new ArtifactFormatException("File " + file + " is not a nifi-cnn classifier artifact: it has no " + METADATA_ENTRY + " entry");
            }
            if (zip.getEntry(CONFIGURATION_ENTRY) == null || zip.getEntry(COEFFICIENTS_ENTRY) == null) {
                throw new ArtifactFormatException("Classifier artifact " + file + " is corrupt: it has no DL4J network entries");
            }
            final ArtifactMetadata metadata;
            try (InputStream input = zip.getInputStream(entry)) {
                metadata = MAPPER.readValue(input, ArtifactMetadata.class);
            }
            if (!ArtifactMetadata.FORMAT.equals(metadata.format())) {
                throw new ArtifactFormatException("File " + file + " is not a nifi-cnn classifier artifact: format '" + metadata.format() + "'");
            }
            if (metadata.formatVersion() > ArtifactMetadata.CURRENT_VERSION) {
                throw new ArtifactFormatException("Classifier artifact " + file + " has format version " + metadata.formatVersion()
                        + "; this version of nifi-cnn reads up to " + ArtifactMetadata.CURRENT_VERSION);
            }
            if (metadata.labels() == null || metadata.labels().size() < 2 || metadata.featureLength() < 1) {
                throw new ArtifactFormatException("Classifier artifact " + file + " is corrupt: its metadata lists no labels or feature length");
            }
            return metadata;
        } catch (final ZipException e) {
            throw new ArtifactFormatException("File " + file + " is not a nifi-cnn classifier artifact: it is not a zip file (" + e.getMessage() + ")", e);
        } catch (final IOException e) {
            throw new ArtifactFormatException("Classifier artifact " + file + " could not be read: " + e.getMessage(), e);
        }
    }
}

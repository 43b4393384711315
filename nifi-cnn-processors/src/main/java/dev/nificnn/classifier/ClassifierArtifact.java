package dev.nificnn.classifier;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerStandardize;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes and reads the single-file classifier artifact: DL4J's model zip (network configuration and coefficients),
 * with the normaliser DL4J adds to it and a JSON metadata entry of ours.
 * <p>
 * Writing goes through DL4J's {@code ModelSerializer}; reading does not, because its restore methods hand a {@code preprocessor.bin}
 * entry and old-format normalisers to Java deserialization. Every artifact is untrusted input: its entries are checked against an
 * allow-list and the sizes its configuration implies, and each is parsed as JSON or as plain numbers.
 */
public final class ClassifierArtifact {

    /** The zip entry holding {@link ArtifactMetadata} as JSON. */
    public static final String METADATA_ENTRY = "nificnn-classifier.json";

    /** The most parameters a network may have: 200 MB of floats, far above any classifier head nifi-cnn trains. */
    static final long MAX_PARAMETERS = 50_000_000L;
    /** The longest feature vector: far above any image model layer (a flattened VGG-16 pool5 has 25,088 values). */
    static final int MAX_FEATURE_LENGTH = 1_000_000;
    private static final long METADATA_LIMIT = 4L << 20;
    private static final long CONFIGURATION_LIMIT = 1L << 20;

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
     * Reads and checks an artifact, entry by entry, without Java deserialization and without modifying the file.
     *
     * @throws ArtifactFormatException when the file is missing, not a zip, not one of ours, of a newer format, corrupt, holds any
     *     entry besides the four an artifact holds, has an entry larger than its configuration implies, or its network does not
     *     match its metadata
     */
    public static ClassifierModel read(final Path file) throws ArtifactFormatException {
        checkIsFile(file);
        try (ArtifactEntries entries = ArtifactEntries.open(file)) {
            final ArtifactMetadata metadata = readMetadata(entries, file);
            final MultiLayerConfiguration configuration = NetworkConfigurationReader.read(
                    entries.read(ArtifactEntries.CONFIGURATION_ENTRY, CONFIGURATION_LIMIT, "a network configuration may take"),
                    describe(file, ArtifactEntries.CONFIGURATION_ENTRY));
            checkMatchesMetadata(configuration, metadata, file);
            final int parameterCount = parameterCount(configuration, file);
            final INDArray parameters = readParameters(entries.read(ArtifactEntries.COEFFICIENTS_ENTRY, NdVectorReader.maxBytes(parameterCount),
                    "the " + parameterCount + " parameters its configuration declares take at most"), parameterCount, file);
            final NormalizerStandardize normalizer = StandardizeEntryReader.read(entries.read(ArtifactEntries.NORMALIZER_ENTRY,
                            StandardizeEntryReader.maxBytes(metadata.featureLength()), "a normaliser of " + metadata.featureLength() + " features takes at most"),
                    metadata.featureLength(), describe(file, ArtifactEntries.NORMALIZER_ENTRY));
            return new ClassifierModel(network(configuration, parameters, file), normalizer, metadata);
        }
    }

    /** Reads only the metadata entry, checking that the file is one of our artifacts (its entry list included). */
    public static ArtifactMetadata readMetadata(final Path file) throws ArtifactFormatException {
        checkIsFile(file);
        try (ArtifactEntries entries = ArtifactEntries.open(file)) {
            return readMetadata(entries, file);
        }
    }

    private static void checkIsFile(final Path file) throws ArtifactFormatException {
        if (!Files.isRegularFile(file)) {
            throw new ArtifactFormatException("Classifier artifact " + file + " does not exist or is not a file");
        }
    }

    private static ArtifactMetadata readMetadata(final ArtifactEntries entries, final Path file) throws ArtifactFormatException {
        final byte[] content = entries.read(METADATA_ENTRY, METADATA_LIMIT, "the metadata may take");
        final ArtifactMetadata metadata;
        try {
            metadata = MAPPER.readValue(content, ArtifactMetadata.class);
        } catch (final IOException e) {
            throw new ArtifactFormatException("Classifier artifact " + file + " is corrupt: its " + METADATA_ENTRY + " entry cannot be read ("
                    + e.getMessage() + ")", e);
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
        if (metadata.featureLength() > MAX_FEATURE_LENGTH) {
            throw new ArtifactFormatException("Classifier artifact " + file + " is refused: its metadata declares " + metadata.featureLength()
                    + " features, more than the " + MAX_FEATURE_LENGTH + " nifi-cnn reads");
        }
        return metadata;
    }

    private static void checkMatchesMetadata(final MultiLayerConfiguration configuration, final ArtifactMetadata metadata, final Path file)
            throws ArtifactFormatException {
        final int layerCount = configuration.getConfs().size();
        final Layer first = layerCount == 0 ? null : configuration.getConf(0).getLayer();
        final Layer last = layerCount == 0 ? null : configuration.getConf(layerCount - 1).getLayer();
        if (!(first instanceof FeedForwardLayer firstLayer) || !(last instanceof FeedForwardLayer lastLayer)
                || firstLayer.getNIn() != metadata.featureLength() || lastLayer.getNOut() != metadata.labels().size()) {
            throw new ArtifactFormatException("Classifier artifact " + file + " is inconsistent: its network does not take "
                    + metadata.featureLength() + " features and give " + metadata.labels().size() + " class probabilities as its metadata says"
                    + (metadata.featureModel() == null ? "" : " (features of " + metadata.featureModel() + " layer " + metadata.featureLayer() + ")"));
        }
    }

    private static int parameterCount(final MultiLayerConfiguration configuration, final Path file) throws ArtifactFormatException {
        final long count;
        try {
            count = NetworkConfigurationReader.parameterCount(configuration);
        } catch (final RuntimeException e) {
            throw new ArtifactFormatException("Classifier artifact " + file + " is refused: the parameters of its network configuration cannot be counted ("
                    + e.getMessage() + ")", e);
        }
        if (count < 1 || count > MAX_PARAMETERS) {
            throw new ArtifactFormatException("Classifier artifact " + file + " is refused: its network configuration declares " + count
                    + " parameters; nifi-cnn reads networks of 1 to " + MAX_PARAMETERS);
        }
        return (int) count;
    }

    private static INDArray readParameters(final byte[] content, final int parameterCount, final Path file) throws ArtifactFormatException {
        final String what = describe(file, ArtifactEntries.COEFFICIENTS_ENTRY);
        try (DataInputStream input = new DataInputStream(new ByteArrayInputStream(content))) {
            final INDArray parameters = NdVectorReader.read(input, parameterCount, what);
            if (input.available() > 0) {
                throw new ArtifactFormatException(what + " has " + input.available() + " bytes after its " + parameterCount + " parameters");
            }
            return parameters;
        } catch (final IOException e) {
            throw new ArtifactFormatException(what + " could not be read (" + e.getMessage() + ")", e);
        }
    }

    private static MultiLayerNetwork network(final MultiLayerConfiguration configuration, final INDArray parameters, final Path file)
            throws ArtifactFormatException {
        try {
            // As DL4J's own restore does: the network computes in the type its parameters were saved in.
            configuration.setDataType(parameters.dataType());
            final MultiLayerNetwork network = new MultiLayerNetwork(configuration);
            network.init(parameters, false);
            return network;
        } catch (final RuntimeException e) {
            throw new ArtifactFormatException("Classifier artifact " + file + " is corrupt: its network could not be built from its configuration and parameters ("
                    + e.getMessage() + ")", e);
        }
    }

    private static String describe(final Path file, final String entry) {
        return "Entry '" + entry + "' of classifier artifact " + file;
    }
}

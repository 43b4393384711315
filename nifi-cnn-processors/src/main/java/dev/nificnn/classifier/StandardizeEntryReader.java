package dev.nificnn.classifier;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerStandardize;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;

/**
 * Reads the normaliser entry that DL4J's {@code NormalizerSerializer} writes for a {@link NormalizerStandardize}: its mean and
 * standard deviation, nothing else.
 * <p>
 * {@code NormalizerSerializer.restore} would load any class a CUSTOM header names, and {@code ModelSerializer.restoreNormalizerFromFile}
 * falls back to Java deserialization and rewrites the file; the format is small enough to read here: a header ("NORMALIZER",
 * version 1, type "STANDARDIZE"), whether labels were fitted, then the mean and standard deviation vectors.
 */
final class StandardizeEntryReader {

    private static final String HEADER = "NORMALIZER";
    private static final int VERSION = 1;
    private static final String STANDARDIZE = "STANDARDIZE";

    private StandardizeEntryReader() {
    }

    /** The most bytes the entry takes for a feature length (header, flag and two vectors). */
    static long maxBytes(final int featureLength) {
        return 2L + HEADER.length() + Integer.BYTES + 2L + STANDARDIZE.length() + 1 + 2 * NdVectorReader.maxBytes(featureLength);
    }

    /**
     * Reads the normaliser of feature vectors of the given length.
     *
     * @param what the entry and file, for messages
     */
    static NormalizerStandardize read(final byte[] content, final int featureLength, final String what) throws ArtifactFormatException {
        if (content.length >= 2 && (content[0] & 0xff) == 0xac && (content[1] & 0xff) == 0xed) {
            throw new ArtifactFormatException(what + " is a Java serialization stream (DL4J's deprecated normaliser format), which nifi-cnn never reads");
        }
        try (DataInputStream input = new DataInputStream(new ByteArrayInputStream(content))) {
            final String header = input.readUTF();
            final int version = input.readInt();
            final String type = input.readUTF();
            if (!HEADER.equals(header) || version != VERSION || !STANDARDIZE.equals(type)) {
                throw new ArtifactFormatException(what + " is not a standardisation normaliser (header '" + header + "', version " + version
                        + ", type '" + type + "'); nifi-cnn reads only " + STANDARDIZE + " version " + VERSION);
            }
            if (input.readBoolean()) {
                throw new ArtifactFormatException(what + " also standardises labels, which nifi-cnn never writes");
            }
            final INDArray mean = NdVectorReader.read(input, featureLength, what + " (mean)");
            final INDArray std = NdVectorReader.read(input, featureLength, what + " (standard deviation)");
            if (input.available() > 0) {
                throw new ArtifactFormatException(what + " has " + input.available() + " bytes after its standard deviation");
            }
            return new NormalizerStandardize(mean, std);
        } catch (final IOException e) {
            throw new ArtifactFormatException(what + " ends inside its header (" + e + ")", e);
        }
    }
}

package dev.nificnn.classifier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Builds hostile classifier artifacts from a real one, each with the one flaw a test names, and what the refusal must say.
 * <p>
 * Every artifact starts as a copy of a file written by {@link ClassifierArtifact#write}, so that everything but the flaw is valid.
 */
public final class HostileArtifacts {

    /** One hostile artifact and a phrase its refusal must contain. */
    public record Hostile(String name, Path file, String reason) {

        @Override
        public String toString() {
            return name;
        }
    }

    private static final String COEFFICIENTS = "coefficients.bin";
    private static final String NORMALIZER = "normalizer.bin";
    private static final String CONFIGURATION = "configuration.json";
    private static final String PLACEHOLDER = "coefficients.bim";

    private HostileArtifacts() {
    }

    /**
     * Writes every hostile artifact into a directory.
     *
     * @param softmax a real softmax-regression artifact (one output layer)
     * @param perceptron a real multilayer-perceptron artifact (a hidden layer), for a configuration declaring billions of parameters
     */
    public static Map<String, Hostile> build(final Path softmax, final Path perceptron, final Path directory) throws IOException {
        final Map<String, Hostile> hostile = new LinkedHashMap<>();
        add(hostile, "preprocessor.bin deserialization bomb", directory, "preprocessor.zip", "preprocessor.bin",
                file -> withEntries(softmax, file, Map.of("preprocessor.bin", serializationBomb())));
        add(hostile, "normaliser replaced by a deserialization bomb", directory, "normaliser-bomb.zip",
                "entry 'normalizer.bin' declares 5746 bytes, more than the 370 bytes a normaliser of 5 features takes at most",
                file -> withEntries(softmax, file, Map.of(NORMALIZER, serializationBomb())));
        add(hostile, "normaliser in Java serialization form", directory, "normaliser-serialized.zip",
                "is a Java serialization stream (DL4J's deprecated normaliser format), which nifi-cnn never reads",
                file -> withEntries(softmax, file, Map.of(NORMALIZER, serialized(new ArrayList<>(List.of(0.5, 1.5))))));
        add(hostile, "zip bomb entry", directory, "zip-bomb.zip", "declares 268435456 bytes, more than the",
                file -> withEntries(softmax, file, COEFFICIENTS, zeros(256 << 20)));
        add(hostile, "zip bomb behind a lying size", directory, "lying-zip-bomb.zip", "inflates to more than the 328 bytes it declares",
                file -> {
                    withEntries(softmax, file, NORMALIZER, zeros(64 << 20));
                    Files.write(file, withDeclaredSize(Files.readAllBytes(file), NORMALIZER, 328));
                });
        add(hostile, "parameters declaring billions of elements", directory, "billions.zip", "where a vector of 18 values is expected",
                file -> withEntries(softmax, file, Map.of(COEFFICIENTS, coefficientsDeclaring(3_000_000_000L, entry(softmax, COEFFICIENTS)))));
        add(hostile, "configuration declaring billions of parameters", directory, "huge-network.zip", "parameters; nifi-cnn reads networks of 1 to 50000000",
                file -> withEntries(perceptron, file, Map.of(CONFIGURATION, widerHiddenLayer(entry(perceptron, CONFIGURATION), 2_000_000_000))));
        add(hostile, "truncated zip", directory, "truncated.zip", "it is not a zip file",
                file -> {
                    final byte[] complete = Files.readAllBytes(softmax);
                    Files.write(file, Arrays.copyOf(complete, complete.length / 2));
                });
        add(hostile, "entry named ../x", directory, "traversal.zip", "entry '../x' has a path in its name",
                file -> withEntries(softmax, file, Map.of("../x", "x".getBytes(StandardCharsets.UTF_8))));
        add(hostile, "foreign zip", directory, "foreign.zip", "is not a nifi-cnn classifier artifact: it holds entries",
                file -> {
                    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
                        put(zip, "weights.h5", new byte[] {1, 2, 3, 4});
                        put(zip, "notes.txt", "random".getBytes(StandardCharsets.UTF_8));
                    }
                });
        add(hostile, "artifact from another feature model", directory, "other-features.zip", "is inconsistent: its network does not take 2048 features",
                file -> withEntries(softmax, file, Map.of(ClassifierArtifact.METADATA_ENTRY, otherFeatureModel(entry(softmax, ClassifierArtifact.METADATA_ENTRY)))));
        add(hostile, "duplicate entry", directory, "duplicate.zip", "holds entry 'coefficients.bin' twice",
                file -> {
                    withEntries(softmax, file, Map.of(PLACEHOLDER, new byte[185]));
                    Files.write(file, renamed(Files.readAllBytes(file), PLACEHOLDER, COEFFICIENTS));
                });
        return hostile;
    }

    /** Reads one entry of an artifact. */
    public static byte[] entry(final Path artifact, final String name) throws IOException {
        try (ZipFile zip = new ZipFile(artifact.toFile()); InputStream input = zip.getInputStream(zip.getEntry(name))) {
            return input.readAllBytes();
        }
    }

    private interface Writer {
        void write(Path file) throws IOException;
    }

    private static void add(final Map<String, Hostile> hostile, final String name, final Path directory, final String fileName, final String reason,
                            final Writer writer) throws IOException {
        final Path file = directory.resolve(fileName);
        writer.write(file);
        hostile.put(name, new Hostile(name, file, reason));
    }

    /** What one entry holds, written straight into the zip (so that a bomb's zeros are never one array in memory). */
    private interface Content {
        void writeTo(OutputStream output) throws IOException;
    }

    private static Content zeros(final long size) {
        return output -> {
            final byte[] chunk = new byte[1 << 20];
            for (long written = 0; written < size; written += chunk.length) {
                output.write(chunk, 0, (int) Math.min(chunk.length, size - written));
            }
        };
    }

    private static void withEntries(final Path source, final Path target, final String name, final Content content) throws IOException {
        copyReplacing(source, target, Map.of(name, content));
    }

    /** Copies an artifact, replacing the entries named in {@code entries} and adding the others at the end. */
    private static void withEntries(final Path source, final Path target, final Map<String, byte[]> entries) throws IOException {
        final Map<String, Content> contents = new LinkedHashMap<>();
        entries.forEach((name, bytes) -> contents.put(name, output -> output.write(bytes)));
        copyReplacing(source, target, contents);
    }

    private static void copyReplacing(final Path source, final Path target, final Map<String, Content> entries) throws IOException {
        final Map<String, Content> remaining = new LinkedHashMap<>(entries);
        try (ZipFile zip = new ZipFile(source.toFile()); ZipOutputStream output = new ZipOutputStream(Files.newOutputStream(target))) {
            final Enumeration<? extends ZipEntry> all = zip.entries();
            while (all.hasMoreElements()) {
                final ZipEntry entry = all.nextElement();
                final Content replacement = remaining.remove(entry.getName());
                try (InputStream input = zip.getInputStream(entry)) {
                    put(output, entry.getName(), replacement == null ? input::transferTo : replacement);
                }
            }
            for (final Map.Entry<String, Content> extra : remaining.entrySet()) {
                put(output, extra.getKey(), extra.getValue());
            }
        }
    }

    private static void put(final ZipOutputStream zip, final String name, final Content content) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        content.writeTo(zip);
        zip.closeEntry();
    }

    private static void put(final ZipOutputStream zip, final String name, final byte[] content) throws IOException {
        put(zip, name, output -> output.write(content));
    }

    /**
     * The classic nested-set bomb: 100 levels of two sets each holding both sets of the next level. About 5 KB serialized;
     * {@code ObjectInputStream.readObject} hashes each set while rebuilding it, 2^100 steps.
     */
    static byte[] serializationBomb() throws IOException {
        final Set<Object> root = new HashSet<>();
        Set<Object> first = root;
        Set<Object> second = new HashSet<>();
        for (int level = 0; level < 100; level++) {
            final Set<Object> nextFirst = new HashSet<>();
            final Set<Object> nextSecond = new HashSet<>();
            nextFirst.add("level");
            first.add(nextFirst);
            first.add(nextSecond);
            second.add(nextFirst);
            second.add(nextSecond);
            first = nextFirst;
            second = nextSecond;
        }
        return serialized(root);
    }

    private static byte[] serialized(final Object object) throws IOException {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream output = new ObjectOutputStream(bytes)) {
            output.writeObject(object);
        }
        return bytes.toByteArray();
    }

    /** The real coefficients entry with a shape and data header that declare {@code elements} values instead. */
    private static byte[] coefficientsDeclaring(final long elements, final byte[] real) throws IOException {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream output = new DataOutputStream(bytes)) {
            output.writeUTF("MIXED_DATA_TYPES");
            output.writeLong(6);
            output.writeUTF("LONG");
            for (final long value : new long[] {1, elements, 1, 8192, 1, 'c'}) {
                output.writeLong(value);
            }
            output.writeUTF("MIXED_DATA_TYPES");
            output.writeLong(elements);
            output.writeUTF("FLOAT");
            // The real values follow: the entry stays small, only its header lies.
            output.write(real, real.length - 18 * Float.BYTES, 18 * Float.BYTES);
        }
        return bytes.toByteArray();
    }

    /** A perceptron configuration whose first (hidden) layer has {@code width} outputs. */
    private static byte[] widerHiddenLayer(final byte[] configuration, final int width) throws IOException {
        final JsonNode tree = ClassifierArtifact.jsonMapper().readTree(configuration);
        ((ObjectNode) tree.get("confs").get(0).get("layer")).put("nout", width);
        ((ObjectNode) tree.get("confs").get(1).get("layer")).put("nin", width);
        return ClassifierArtifact.jsonMapper().writeValueAsBytes(tree);
    }

    /** Metadata that says the features come from ResNet-50's 2,048-value pooling layer. */
    private static byte[] otherFeatureModel(final byte[] metadata) throws IOException {
        final ObjectNode tree = (ObjectNode) ClassifierArtifact.jsonMapper().readTree(metadata);
        tree.put("featureModel", "resnet50").put("featureLayer", "avgpool").put("featureLength", 2048);
        return ClassifierArtifact.jsonMapper().writeValueAsBytes(tree);
    }

    /** Rewrites the uncompressed size an entry declares in the zip's central directory (what {@link ZipFile} trusts). */
    private static byte[] withDeclaredSize(final byte[] zip, final String name, final int size) {
        final byte[] patched = zip.clone();
        final byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        boolean found = false;
        for (int offset = 0; offset + 46 <= patched.length; offset++) {
            if (littleEndianInt(patched, offset) == 0x02014b50 && (littleEndianShort(patched, offset + 28) == nameBytes.length)
                    && Arrays.equals(patched, offset + 46, offset + 46 + nameBytes.length, nameBytes, 0, nameBytes.length)) {
                for (int index = 0; index < 4; index++) {
                    patched[offset + 24 + index] = (byte) (size >>> (8 * index));
                }
                found = true;
            }
        }
        if (!found) {
            throw new IllegalStateException("No central directory entry " + name);
        }
        return patched;
    }

    /** Renames an entry by rewriting its name bytes in place (local header and central directory); both names are the same length. */
    private static byte[] renamed(final byte[] zip, final String from, final String to) {
        final byte[] patched = zip.clone();
        final byte[] fromBytes = from.getBytes(StandardCharsets.UTF_8);
        final byte[] toBytes = to.getBytes(StandardCharsets.UTF_8);
        for (int offset = 0; offset + fromBytes.length <= patched.length; offset++) {
            if (Arrays.equals(patched, offset, offset + fromBytes.length, fromBytes, 0, fromBytes.length)) {
                System.arraycopy(toBytes, 0, patched, offset, toBytes.length);
            }
        }
        return patched;
    }

    private static int littleEndianInt(final byte[] bytes, final int offset) {
        return (bytes[offset] & 0xff) | (bytes[offset + 1] & 0xff) << 8 | (bytes[offset + 2] & 0xff) << 16 | (bytes[offset + 3] & 0xff) << 24;
    }

    private static int littleEndianShort(final byte[] bytes, final int offset) {
        return (bytes[offset] & 0xff) | (bytes[offset + 1] & 0xff) << 8;
    }
}

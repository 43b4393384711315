package dev.nificnn.security;

import dev.nificnn.classifier.ClassifierArtifact;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fails the build when any class of the bundle uses Java deserialization, directly or through the DL4J and ND4J methods known to
 * reach {@code ObjectInputStream.readObject} (issue 16): a classifier artifact is data from shared storage, never code.
 */
class NoJavaDeserializationTest {

    /** Types whose use means deserializing objects from bytes. */
    private static final List<String> FORBIDDEN_TYPES = List.of("java/io/ObjectInputStream", "java/io/ObjectInput", "java/beans/XMLDecoder",
            "org/deeplearning4j/core/util/ModelGuesser", "org/nd4j/common/util/SerializationUtils", "org/apache/commons/lang3/SerializationUtils",
            "org/apache/commons/lang/SerializationUtils");

    /**
     * Methods of a type that the bundle may call, every other method of it being forbidden: ModelSerializer's restore methods
     * deserialize a {@code preprocessor.bin} entry and old normalisers (and rewrite the file), NormalizerSerializer.restore loads
     * any class a header names, Nd4j.read allocates whatever length a header declares.
     */
    private static final Map<String, Set<String>> ALLOWED_METHODS = Map.of(
            "org/deeplearning4j/util/ModelSerializer", Set.of("writeModel", "addNormalizerToModel"),
            "org/nd4j/linalg/dataset/api/preprocessor/serializer/NormalizerSerializer", Set.of("getDefault", "write"));

    /** Methods forbidden by name on a type whose other methods are fine. */
    private static final Map<String, Set<String>> FORBIDDEN_METHODS = Map.of(
            "org/nd4j/linalg/factory/Nd4j", Set.of("read", "readBinary", "readTxt", "readNumpy", "createFromNpyFile", "createFromNpyPointer"),
            "org/nd4j/linalg/api/buffer/BaseDataBuffer", Set.of("readHeader"),
            "org/nd4j/linalg/dataset/api/preprocessor/serializer/StandardizeSerializerStrategy", Set.of("restore"));

    @Test
    void noClassOfTheBundleDeserializes() throws Exception {
        final Path classes = Path.of(ClassifierArtifact.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        final List<ClassReferences> scanned = scan(classes);
        assertTrue(scanned.size() > 100, "the bundle's classes were found: " + scanned.size() + " in " + classes);
        assertTrue(scanned.stream().anyMatch(references -> references.className().equals("dev/nificnn/classifier/ClassifierArtifact")));
        // The walk covers the multi-release classes (META-INF/versions/22) that a Java 22+ JVM loads instead.
        assertTrue(scan(classes.resolve("META-INF/versions/22")).stream()
                .anyMatch(references -> references.className().equals("dev/nificnn/image/TurboJpegDecompressor")));
        final List<String> violations = new ArrayList<>();
        scanned.forEach(references -> violations.addAll(violations(references)));
        assertEquals(List.of(), violations);
    }

    @Test
    void theScanFindsDeserializationWhereItIs() throws Exception {
        // A JDK class with a readObject(ObjectInputStream) method, DL4J's restore path, and a class of ours that calls it.
        assertTrue(violations(jdkClass("java/util/HashSet.class")).contains("java/util/HashSet names java/io/ObjectInputStream"),
                violations(jdkClass("java/util/HashSet.class")).toString());
        assertTrue(violations(classOf(ModelSerializer.class)).contains("org/deeplearning4j/util/ModelSerializer names java/io/ObjectInputStream"));
        final List<String> restoring = violations(classOf(RestoresWithModelSerializer.class));
        assertTrue(restoring.contains("dev/nificnn/security/NoJavaDeserializationTest$RestoresWithModelSerializer calls "
                + "org/deeplearning4j/util/ModelSerializer.restoreMultiLayerNetwork"), restoring.toString());
        assertTrue(restoring.contains("dev/nificnn/security/NoJavaDeserializationTest$RestoresWithModelSerializer calls "
                + "org/deeplearning4j/util/ModelSerializer.restoreNormalizerFromFile"), restoring.toString());
    }

    /** Never run: it exists so that the scan can be shown to catch the calls issue 16 removed. */
    private static final class RestoresWithModelSerializer {

        static MultiLayerNetwork restore(final File file) throws IOException {
            ModelSerializer.restoreNormalizerFromFile(file);
            return ModelSerializer.restoreMultiLayerNetwork(file, false);
        }
    }

    private static List<String> violations(final ClassReferences references) {
        final List<String> violations = new ArrayList<>();
        for (final String type : FORBIDDEN_TYPES) {
            if (references.namesType(type)) {
                violations.add(references.className() + " names " + type);
            }
        }
        for (final String method : references.methods()) {
            final int dot = method.lastIndexOf('.');
            final String owner = method.substring(0, dot);
            final String name = method.substring(dot + 1);
            final Set<String> allowed = ALLOWED_METHODS.get(owner);
            final Set<String> forbidden = FORBIDDEN_METHODS.getOrDefault(owner, Set.of());
            if (allowed != null && !allowed.contains(name) || forbidden.contains(name)) {
                violations.add(references.className() + " calls " + method);
            }
        }
        return violations;
    }

    private static List<ClassReferences> scan(final Path classes) throws IOException {
        final List<ClassReferences> scanned = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (final Path file : files.filter(path -> path.toString().endsWith(".class")).toList()) {
                try (InputStream input = Files.newInputStream(file)) {
                    scanned.add(ClassReferences.read(input));
                }
            }
        }
        return scanned;
    }

    private static ClassReferences jdkClass(final String resource) throws IOException {
        try (InputStream input = ClassLoader.getSystemResourceAsStream(resource)) {
            return ClassReferences.read(input);
        }
    }

    private static ClassReferences classOf(final Class<?> type) throws IOException, URISyntaxException {
        try (InputStream input = type.getResourceAsStream("/" + type.getName().replace('.', '/') + ".class")) {
            return ClassReferences.read(input);
        }
    }
}

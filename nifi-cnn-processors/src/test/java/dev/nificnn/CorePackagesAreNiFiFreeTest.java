package dev.nificnn;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The core (image, onnx, classifier, dataset, reload, vocabulary and any package added later) is plain Java that can be tested and
 * benchmarked without NiFi: no source file of it names a NiFi package; only the glue, processors/ and services/, does.
 */
class CorePackagesAreNiFiFreeTest {

    private static final Set<String> GLUE = Set.of("processors", "services");

    @Test
    void noCoreSourceNamesNiFi() throws IOException {
        final List<String> offenders = new ArrayList<>();
        int files = 0;
        for (final String sourceRoot : List.of("src/main/java", "src/main/java22")) {
            final Path root = Path.of(sourceRoot, "dev/nificnn");
            if (!Files.isDirectory(root)) {
                continue;
            }
            final List<Path> corePackages;
            try (Stream<Path> packages = Files.list(root)) {
                corePackages = packages.filter(Files::isDirectory).filter(folder -> !GLUE.contains(folder.getFileName().toString())).toList();
            }
            for (final Path folder : corePackages) {
                try (Stream<Path> sources = Files.walk(folder)) {
                    for (final Path source : sources.filter(path -> path.toString().endsWith(".java")).toList()) {
                        files++;
                        if (Files.readString(source).contains("org.apache.nifi")) {
                            offenders.add(source.toString());
                        }
                    }
                }
            }
        }
        assertTrue(files > 50, "Found only " + files + " core sources: is the working directory the module?");
        assertEquals(List.of(), offenders, "Core sources that name NiFi");
    }
}

package dev.nificnn.systemtests;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Turns the files Maven copied into target/nifi (official NiFi 2.3.0 jars and NARs plus nifi-cnn-nar) into a NiFi home:
 * conf files from the module, NiFi's own NAR of the official nifi-standard-processors jar, empty repositories.
 */
public final class NiFiAssembly {

    static final String STANDARD_NAR_NAME = "nifi-standard-processors-nar-2.3.0.nar";

    private static final List<String> CONF_FILES = List.of("nifi.properties", "logback.xml", "state-management.xml");
    private static final List<String> STATE_DIRECTORIES = List.of(
            "flowfile_repository", "content_repository", "provenance_repository", "database_repository", "state", "logs");

    private final Path home;
    private final Path moduleDirectory;

    /**
     * @param home the NiFi home that Maven filled (lib/, extensions/), usually nifi-cnn-system-tests/target/nifi
     * @param moduleDirectory the nifi-cnn-system-tests folder (holds conf/ and target/nifi-standard-nar/)
     */
    public NiFiAssembly(final Path home, final Path moduleDirectory) {
        this.home = home.toAbsolutePath().normalize();
        this.moduleDirectory = moduleDirectory.toAbsolutePath().normalize();
    }

    public Path home() {
        return home;
    }

    /** Writes conf/ with the given HTTP port and builds the standard processors NAR when it is missing. */
    public void prepare(final int httpPort) throws IOException {
        if (!Files.isDirectory(home.resolve("lib")) || !Files.isDirectory(home.resolve("extensions"))) {
            throw new IOException("No NiFi assembly in " + home + ": run 'mvn -pl nifi-cnn-system-tests generate-test-resources' first");
        }
        final Path conf = Files.createDirectories(home.resolve("conf"));
        for (final String name : CONF_FILES) {
            Files.copy(moduleDirectory.resolve("conf").resolve(name), conf.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
        overrideProperties(conf.resolve("nifi.properties"), Map.of(
                "nifi.web.http.host", "127.0.0.1",
                "nifi.web.http.port", Integer.toString(httpPort)));
        Files.createDirectories(home.resolve("autoload"));
        Files.createDirectories(home.resolve("logs"));
        final Path standardNar = home.resolve("extensions").resolve(STANDARD_NAR_NAME);
        if (!Files.exists(standardNar)) {
            writeStandardProcessorsNar(moduleDirectory.resolve("target/nifi-standard-nar/META-INF/bundled-dependencies"), standardNar);
        }
    }

    /** Removes the flow, repositories, state and logs so that the next start begins empty (unpacked NARs are kept). */
    public void reset() throws IOException {
        Files.deleteIfExists(home.resolve("conf/flow.json.gz"));
        for (final String name : STATE_DIRECTORIES) {
            deleteRecursively(home.resolve(name));
        }
        Files.createDirectories(home.resolve("logs"));
    }

    /** Copies NiFi's logs to the given folder (kept when a test fails). */
    public void keepLogs(final Path destination) throws IOException {
        copyLogs(home.resolve("logs"), destination);
    }

    /** Copies the files of a logs folder into destination (nothing when there is no such folder). */
    static void copyLogs(final Path logs, final Path destination) throws IOException {
        if (!Files.isDirectory(logs)) {
            return;
        }
        Files.createDirectories(destination);
        try (Stream<Path> files = Files.list(logs)) {
            for (final Path file : files.toList()) {
                Files.copy(file, destination.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    static void writeStandardProcessorsNar(final Path bundledDependencies, final Path nar) throws IOException {
        final List<Path> jars;
        try (Stream<Path> files = Files.list(bundledDependencies)) {
            jars = new ArrayList<>(files.filter(file -> file.toString().endsWith(".jar")).sorted().toList());
        }
        if (jars.stream().noneMatch(jar -> jar.getFileName().toString().startsWith("nifi-standard-processors-"))) {
            throw new IOException("nifi-standard-processors jar missing from " + bundledDependencies);
        }
        final Manifest manifest = new Manifest();
        final Attributes attributes = manifest.getMainAttributes();
        attributes.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        attributes.putValue("Nar-Group", "org.apache.nifi");
        attributes.putValue("Nar-Id", "nifi-standard-nar");
        attributes.putValue("Nar-Version", "2.3.0");
        attributes.putValue("Nar-Dependency-Group", "org.apache.nifi");
        attributes.putValue("Nar-Dependency-Id", "nifi-standard-shared-nar");
        attributes.putValue("Nar-Dependency-Version", "2.3.0");
        attributes.putValue("Clone-During-Instance-Class-Loading", "false");
        final Path partial = nar.resolveSibling(nar.getFileName() + ".part");
        // NiFi's NarUnpacker creates folders only for folder entries, so META-INF/ must precede the manifest.
        try (OutputStream output = Files.newOutputStream(partial);
             ZipOutputStream jar = new ZipOutputStream(output)) {
            jar.putNextEntry(new ZipEntry("META-INF/"));
            jar.closeEntry();
            jar.putNextEntry(new ZipEntry(JarFile.MANIFEST_NAME));
            manifest.write(jar);
            jar.closeEntry();
            jar.putNextEntry(new ZipEntry("META-INF/bundled-dependencies/"));
            jar.closeEntry();
            for (final Path file : jars) {
                jar.putNextEntry(new ZipEntry("META-INF/bundled-dependencies/" + file.getFileName()));
                Files.copy(file, jar);
                jar.closeEntry();
            }
        }
        Files.move(partial, nar, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void overrideProperties(final Path file, final Map<String, String> overrides) throws IOException {
        final List<String> lines = Files.readAllLines(file);
        final List<String> result = new ArrayList<>(lines.size());
        for (final String line : lines) {
            final int equals = line.indexOf('=');
            final String key = equals > 0 && !line.startsWith("#") ? line.substring(0, equals).trim() : null;
            result.add(key != null && overrides.containsKey(key) ? key + "=" + overrides.get(key) : line);
        }
        Files.write(file, result);
    }

    static void deleteRecursively(final Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            walk.sorted(Comparator.reverseOrder()).forEach(entry -> {
                try {
                    Files.delete(entry);
                } catch (final IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}

package dev.nificnn.systemtests;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the repository's templates/ and models/ folders are (system property nificnn.templates, set by the POM). */
final class TemplatesFolder {

    private TemplatesFolder() {
    }

    static Path templates() {
        return Path.of(System.getProperty("nificnn.templates", "../templates")).toAbsolutePath().normalize();
    }

    static Path repositoryRoot() {
        return templates().getParent();
    }

    static Path flowDefinition(final String name) {
        final Path file = templates().resolve(name + ".json");
        if (!Files.exists(file)) {
            throw new AssertionError("Missing flow definition " + file);
        }
        return file;
    }
}

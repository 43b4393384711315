package dev.nificnn.systemtests;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/** Real third-party data from ../shared/data (system property nificnn.shared.data): skipped with a reason locally, required in CI. */
final class SharedData {

    private SharedData() {
    }

    static Path require(final String relativePath) {
        final String root = System.getProperty("nificnn.shared.data");
        final Path path = root == null ? null : Path.of(root).resolve(relativePath);
        if (path != null && Files.exists(path)) {
            return path;
        }
        final String reason = "Shared data " + relativePath + " not found (nificnn.shared.data=" + root + ")";
        if ("true".equalsIgnoreCase(System.getenv("NIFICNN_REQUIRE_SHARED_DATA"))) {
            throw new AssertionError(reason + " but NIFICNN_REQUIRE_SHARED_DATA=true");
        }
        Assumptions.abort(reason);
        return path;
    }
}

package dev.nificnn.testing;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the read-only third-party data (real models and datasets) that acceptance tests use.
 * <p>
 * The folder comes from the system property {@code nificnn.shared.data} (Surefire sets it to
 * {@code ../shared/data}) or the environment variable {@code NIFICNN_SHARED_DATA}. When it is absent
 * the calling test is skipped with a reason, unless {@code nificnn.require.shared.data=true} or
 * {@code NIFICNN_REQUIRE_SHARED_DATA=true} (CI sets it), in which case the test fails: CI must never pass by skipping.
 */
public final class SharedData {

    private SharedData() {
    }

    /** Returns the shared data folder, whether or not it exists. */
    public static Path directory() {
        final String property = System.getProperty("nificnn.shared.data");
        final String environment = System.getenv("NIFICNN_SHARED_DATA");
        final String location = property != null && !property.isBlank() ? property
                : environment != null && !environment.isBlank() ? environment : "../shared/data";
        return Path.of(location).toAbsolutePath().normalize();
    }

    /** Returns a file or folder inside the shared data, skipping (or failing, in CI) the test when it is missing. */
    public static Path require(final String relativePath) {
        final Path path = directory().resolve(relativePath);
        if (!Files.exists(path)) {
            final String reason = "Shared data " + path + " is absent: this test needs the real data from ../shared/data"
                    + " (set -Dnificnn.shared.data or NIFICNN_SHARED_DATA)";
            if (Boolean.getBoolean("nificnn.require.shared.data") || "true".equalsIgnoreCase(System.getenv("NIFICNN_REQUIRE_SHARED_DATA"))) {
                throw new AssertionError(reason);
            }
            Assumptions.abort(reason);
        }
        return path;
    }
}

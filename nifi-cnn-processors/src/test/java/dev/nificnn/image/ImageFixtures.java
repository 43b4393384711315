package dev.nificnn.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Loads the test fixtures under src/test/resources/image (made by make_reference.py). */
final class ImageFixtures {

    private ImageFixtures() {
    }

    static byte[] bytes(final String relativePath) {
        try (InputStream input = ImageFixtures.class.getResourceAsStream("/image/" + relativePath)) {
            if (input == null) {
                throw new IllegalStateException("Missing test fixture image/" + relativePath);
            }
            return input.readAllBytes();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads a reference .npy of shape (height, width, 3) holding 0..255 values. */
    static NpyArray reference(final String relativePath) {
        try {
            return NpyReader.read(bytes(relativePath));
        } catch (final NpyFormatException e) {
            throw new IllegalStateException(e);
        }
    }
}

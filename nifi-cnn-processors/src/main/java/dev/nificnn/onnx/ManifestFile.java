package dev.nificnn.onnx;

import java.nio.file.Path;

/** A manifest JSON file (see the project's models/ folder). */
public record ManifestFile(Path file) implements ManifestSource {

    public ManifestFile {
        file = file.toAbsolutePath().normalize();
    }

    @Override
    public ModelManifest read() throws ModelManifestException {
        return ModelManifest.read(file);
    }

    @Override
    public Path watchedFile() {
        return file;
    }
}

package dev.nificnn.onnx;

import java.nio.file.Path;

/**
 * Where a model's manifest comes from: a manifest file ({@link ManifestFile}) or a model file described by the service's
 * properties ({@link ModelFileDescription}). Implementations are values: equal sources share one loaded model.
 */
public sealed interface ManifestSource permits ManifestFile, ModelFileDescription {

    /** Reads (or builds) the manifest as it is now. */
    ModelManifest read() throws ModelManifestException;

    /** A file whose change means the manifest must be read again, or null when only the model file itself matters. */
    Path watchedFile();
}

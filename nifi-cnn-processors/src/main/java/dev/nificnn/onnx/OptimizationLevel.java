package dev.nificnn.onnx;

import ai.onnxruntime.OrtSession;
import dev.nificnn.vocabulary.DescribedChoice;

/** ONNX Runtime graph optimisation level applied when a session is created. */
public enum OptimizationLevel implements DescribedChoice {
    DISABLED("Disabled", "No graph optimisations", OrtSession.SessionOptions.OptLevel.NO_OPT),
    BASIC("Basic", "Constant folding and redundant node removal", OrtSession.SessionOptions.OptLevel.BASIC_OPT),
    EXTENDED("Extended", "Basic plus node fusions", OrtSession.SessionOptions.OptLevel.EXTENDED_OPT),
    ALL("All", "Every optimisation, including layout changes (the fastest)", OrtSession.SessionOptions.OptLevel.ALL_OPT);

    private final String displayName;
    private final String description;
    private final OrtSession.SessionOptions.OptLevel ortLevel;

    OptimizationLevel(final String displayName, final String description, final OrtSession.SessionOptions.OptLevel ortLevel) {
        this.displayName = displayName;
        this.description = description;
        this.ortLevel = ortLevel;
    }

    OrtSession.SessionOptions.OptLevel ortLevel() {
        return ortLevel;
    }

    @Override
    public String getValue() {
        return name();
    }

    @Override
    public String getDisplayName() {
        return displayName;
    }

    @Override
    public String getDescription() {
        return description;
    }
}

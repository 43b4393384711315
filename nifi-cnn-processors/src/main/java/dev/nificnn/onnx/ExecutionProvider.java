package dev.nificnn.onnx;

import dev.nificnn.vocabulary.DescribedChoice;

/** Where ONNX Runtime runs a model: the execution provider asked for, or the one actually active. */
public enum ExecutionProvider implements DescribedChoice {
    AUTO("Auto", "CUDA when its libraries load (CUDA 12, cuDNN 9, an NVIDIA GPU), otherwise the CPU with a warning bulletin"),
    CUDA("CUDA", "NVIDIA GPU through the CUDA execution provider; fails when CUDA cannot be loaded"),
    TENSORRT("TensorRT", "NVIDIA TensorRT (libnvinfer 10) with CUDA for the nodes TensorRT does not take; fails when either cannot be loaded"),
    CPU("CPU", "The CPU execution provider only");

    private final String displayName;
    private final String description;

    ExecutionProvider(final String displayName, final String description) {
        this.displayName = displayName;
        this.description = description;
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

package dev.nificnn.onnx;

import dev.nificnn.image.ChannelOrder;
import dev.nificnn.image.Interpolation;
import dev.nificnn.image.ResizeMode;
import dev.nificnn.image.TensorLayout;
import dev.nificnn.image.TensorSpec;
import dev.nificnn.onnx.graph.OnnxGraphSignature;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A model file and the preprocessing an operator states for it, instead of a manifest. What the model itself declares is
 * read from its graph: the input's name, element type (float32 or float16), layout (NCHW when the second dimension is 3,
 * NHWC when the last one is) and, when fixed, its size; the class output is the graph's first output. No checksum is
 * pinned; a replaced file is reloaded when its SHA-256 changes, as with a manifest.
 *
 * @param modelFile         the .onnx file
 * @param labelFile         class names, one a line, or null
 * @param width             input width, or 0 to take the model's fixed width
 * @param height            input height, or 0 to take the model's fixed height
 * @param channelOrder      RGB or BGR
 * @param scale             multiplies 0..255 samples before mean and std
 * @param mean              one value, or one per channel in the input's channel order
 * @param std               one value, or one per channel in the input's channel order
 * @param resizeMode        how the image is brought to the input size
 * @param interpolation     the resampling filter
 * @param shorterSide       with SHORTER_SIDE_CROP, the length the shorter side is scaled to before the centre crop; 0: the crop size
 * @param outputKind        whether the first output holds probabilities or logits
 */
public record ModelFileDescription(Path modelFile, Path labelFile, int width, int height, ChannelOrder channelOrder, float scale, List<Float> mean,
                                   List<Float> std, ResizeMode resizeMode, Interpolation interpolation, int shorterSide, OutputKind outputKind)
        implements ManifestSource {

    public ModelFileDescription {
        modelFile = modelFile.toAbsolutePath().normalize();
        labelFile = labelFile == null ? null : labelFile.toAbsolutePath().normalize();
        mean = List.copyOf(mean);
        std = List.copyOf(std);
    }

    @Override
    public ModelManifest read() throws ModelManifestException {
        final byte[] model;
        try {
            model = ModelLoader.readModelFile(modelFile);
        } catch (final NoSuchFileException e) {
            throw new ModelManifestException("Model file " + modelFile + " does not exist");
        } catch (final BoundedFile.FileLimitException e) {
            throw new ModelManifestException(e.getMessage(), e);
        } catch (final IOException e) {
            throw new ModelManifestException("Model file " + modelFile + " cannot be read: " + e.getMessage(), e);
        }
        final OnnxGraphSignature signature;
        try {
            signature = OnnxGraphSignature.read(model);
        } catch (final IllegalArgumentException e) {
            throw new ModelManifestException("Model file " + modelFile + " is not a readable ONNX model: " + e.getMessage(), e);
        }
        if (signature.inputs().size() != 1) {
            throw new ModelManifestException("Model file " + modelFile + " has " + signature.inputs().size() + " inputs " + signature.inputs()
                    + "; only models with a single image input are supported");
        }
        if (signature.outputs().isEmpty()) {
            throw new ModelManifestException("Model file " + modelFile + " declares no graph output");
        }
        final OnnxGraphSignature.Value input = signature.inputs().getFirst();
        final ModelManifest.Input described = describeInput(input);
        final String fileName = modelFile.getFileName().toString();
        final String name = fileName.endsWith(".onnx") ? fileName.substring(0, fileName.length() - ".onnx".length()) : fileName;
        return new ModelManifest(modelFile, name, "Model file described by the service's properties", modelFile.toString(), null, -1, null, null,
                described, new ModelManifest.Output(signature.outputs().getFirst().name(), outputKind),
                labelFile == null ? null : labelFile.toString(), Map.of());
    }

    private ModelManifest.Input describeInput(final OnnxGraphSignature.Value input) throws ModelManifestException {
        final InputElementType elementType = switch (input.elementType()) {
            case OnnxGraphSignature.ELEMENT_FLOAT -> InputElementType.FLOAT32;
            case OnnxGraphSignature.ELEMENT_FLOAT16 -> InputElementType.FLOAT16;
            default -> throw new ModelManifestException("Input " + input + " of model file " + modelFile
                    + " is not a float32 or float16 tensor (ONNX element type 1 or 10)");
        };
        final long[] shape = input.shape();
        if (shape == null || shape.length != 4) {
            throw new ModelManifestException("Input " + input + " of model file " + modelFile + " is not a 4-dimensional image batch");
        }
        final TensorLayout layout;
        if (shape[1] == 3) {
            layout = TensorLayout.CHW;
        } else if (shape[3] == 3) {
            layout = TensorLayout.HWC;
        } else {
            throw new ModelManifestException("Input " + input + " of model file " + modelFile
                    + " has no dimension of 3 colour channels in second (NCHW) or last (NHWC) place");
        }
        final int inputWidth = dimension("width", width, layout == TensorLayout.CHW ? shape[3] : shape[2], input);
        final int inputHeight = dimension("height", height, layout == TensorLayout.CHW ? shape[2] : shape[1], input);
        try {
            return new ModelManifest.Input(input.name(), elementType, new TensorSpec(inputWidth, inputHeight, resizeMode, interpolation, layout,
                    channelOrder, scale, toArray(mean), toArray(std), shorterSide));
        } catch (final IllegalArgumentException e) {
            throw new ModelManifestException("Preprocessing for model file " + modelFile + " is not valid: " + e.getMessage(), e);
        }
    }

    private int dimension(final String what, final int configured, final long declared, final OnnxGraphSignature.Value input) throws ModelManifestException {
        if (configured > 0) {
            if (declared > 0 && declared != configured) {
                throw new ModelManifestException("Input " + what + " is set to " + configured + " but input " + input + " of model file " + modelFile
                        + " is fixed at " + declared);
            }
            return configured;
        }
        if (declared <= 0 || declared > Integer.MAX_VALUE) {
            throw new ModelManifestException("Input " + input + " of model file " + modelFile + " has no fixed " + what + ": set the input " + what);
        }
        return (int) declared;
    }

    private static float[] toArray(final List<Float> values) {
        final float[] array = new float[values.size()];
        for (int i = 0; i < array.length; i++) {
            array[i] = values.get(i);
        }
        return array;
    }

    @Override
    public Path watchedFile() {
        return null;
    }

    @Override
    public String toString() {
        return "ModelFileDescription[" + modelFile + ", labels " + labelFile + ", " + width + "x" + height + " " + channelOrder + " scale " + scale
                + " mean " + mean + " std " + std + " " + resizeMode + " " + interpolation + (shorterSide > 0 ? " shorter side " + shorterSide : "")
                + " " + outputKind + "]";
    }
}

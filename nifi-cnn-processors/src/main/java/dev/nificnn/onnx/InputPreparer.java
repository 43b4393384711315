package dev.nificnn.onnx;

import dev.nificnn.image.ImageDecodeException;
import dev.nificnn.image.ImageTensorizer;
import dev.nificnn.image.NpyArray;
import dev.nificnn.image.NpyFormatException;
import dev.nificnn.image.NpyReader;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Turns one input into a model's input values: an encoded image is decoded and preprocessed as the manifest says;
 * a {@code .npy} tensor (recognised by its magic bytes, e.g. from PrepareImage) is taken as it is when its shape fits.
 * Thread-safe.
 */
public final class InputPreparer {

    private static final byte[] NPY_MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    private final ModelManifest.Input input;
    private final ImageTensorizer tensorizer;

    /** A preparer for a model input, refusing images that declare more than {@code maxPixels} pixels. */
    public InputPreparer(final ModelManifest.Input input, final long maxPixels) {
        this(input, maxPixels, false);
    }

    /** Like {@link #InputPreparer(ModelManifest.Input, long)}; with {@code jpegDraft}, JPEGs are decoded as Pillow's draft for the resize. */
    public InputPreparer(final ModelManifest.Input input, final long maxPixels, final boolean jpegDraft) {
        this.input = input;
        this.tensorizer = new ImageTensorizer(input.tensorSpec(), maxPixels, jpegDraft);
    }

    public ModelManifest.Input input() {
        return input;
    }

    /** Whether some content is a {@code .npy} file. */
    public static boolean isNpy(final byte[] content) {
        return content.length >= NPY_MAGIC.length && Arrays.equals(content, 0, NPY_MAGIC.length, NPY_MAGIC, 0, NPY_MAGIC.length);
    }

    /**
     * Writes the input's values at the destination's position and advances it by one image.
     *
     * @throws InvalidInputException when the image cannot be decoded or the tensor does not fit the model
     */
    public void write(final byte[] content, final FloatBuffer destination) throws InvalidInputException {
        if (isNpy(content)) {
            writeTensor(content, destination);
            return;
        }
        try {
            tensorizer.write(content, destination);
        } catch (final ImageDecodeException e) {
            throw new InvalidInputException(e.getMessage(), e);
        }
    }

    private void writeTensor(final byte[] content, final FloatBuffer destination) throws InvalidInputException {
        final NpyArray array;
        try {
            array = NpyReader.read(content);
        } catch (final NpyFormatException e) {
            throw new InvalidInputException("Tensor file is not usable: " + e.getMessage(), e);
        }
        final long[] expected = input.imageShape();
        final int[] shape = array.shape();
        final int offset = shape.length == 4 && shape[0] == 1 ? 1 : 0;
        boolean matches = shape.length - offset == 3;
        for (int i = 0; matches && i < 3; i++) {
            matches = shape[i + offset] == expected[i];
        }
        if (!matches) {
            throw new InvalidInputException(".npy tensor has shape " + Arrays.toString(shape) + " but the model input '" + input.name() + "' takes "
                    + Arrays.toString(expected) + " per image (" + input.layout() + ", optionally with a leading batch dimension of 1)");
        }
        destination.put(array.data());
    }
}

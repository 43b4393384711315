package dev.nificnn.image;

import java.nio.FloatBuffer;

/**
 * Turns encoded images (JPEG, PNG, GIF, BMP, TIFF, WebP) into normalised float tensors as a {@link TensorSpec} describes:
 * decode, turn upright, resize, pack; or, for an image output, into the resized image itself, by the same decoding and
 * resizing. Thread-safe: one instance may serve all concurrent tasks.
 */
public final class ImageTensorizer {

    private final TensorSpec spec;
    private final ImageDecoder decoder;
    private final JpegDraft draft;
    private final TensorPacker packer;

    /** A tensorizer for {@code spec} that refuses images declaring more than {@code maxPixels} pixels and decodes JPEGs at full size. */
    public ImageTensorizer(final TensorSpec spec, final long maxPixels) {
        this(spec, maxPixels, false);
    }

    /**
     * A tensorizer for {@code spec} that refuses images declaring more than {@code maxPixels} pixels; with {@code jpegDraft}, a
     * JPEG that libjpeg-turbo decodes is decoded as Pillow's draft for this resize ({@link JpegDraft#forResize(TensorSpec)}).
     */
    public ImageTensorizer(final TensorSpec spec, final long maxPixels, final boolean jpegDraft) {
        this(spec, new ImageDecoder(maxPixels), jpegDraft);
    }

    /** A tensorizer for {@code spec} that decodes with {@code decoder}. */
    ImageTensorizer(final TensorSpec spec, final ImageDecoder decoder, final boolean jpegDraft) {
        this.spec = spec;
        this.decoder = decoder;
        this.draft = jpegDraft ? JpegDraft.forResize(spec) : JpegDraft.NONE;
        this.packer = new TensorPacker(spec);
    }

    /** The spec this tensorizer writes. */
    public TensorSpec spec() {
        return spec;
    }

    /** Decodes {@code encodedImage} and writes exactly {@code 3 * width * height} floats at the destination's position, advancing it. */
    public void write(final byte[] encodedImage, final FloatBuffer destination) throws ImageDecodeException {
        prepare(encodedImage, destination);
    }

    /** Like {@link #write(byte[], FloatBuffer)}, and also says what was decoded (format and upright size). */
    public SourceImageInfo prepare(final byte[] encodedImage, final FloatBuffer destination) throws ImageDecodeException {
        final ImageDecoder.DecodedPixels decoded = decoder.decodePixels(encodedImage, draft);
        final PixelView pixels = decoded.pixels();
        packer.pack(ImageResizer.resizeToPlanes(pixels, spec.width(), spec.height(), spec.resizeMode(), spec.interpolation(), spec.shorterSide()),
                destination);
        return new SourceImageInfo(decoded.format(), decoded.sourceWidth(), decoded.sourceHeight());
    }

    /** Resizes an already decoded image and writes its tensor at the destination's position, advancing it. */
    public void write(final RgbImage image, final FloatBuffer destination) {
        packer.pack(ImageResizer.resizeToPlanes(PixelView.of(image), spec.width(), spec.height(), spec.resizeMode(), spec.interpolation(), spec.shorterSide()),
                destination);
    }

    /**
     * Decodes {@code encodedImage} and resizes it as the spec says, without packing it: the image a PNG or JPEG output holds.
     * Its pixels are those the tensor is made of.
     */
    public DecodedImage resize(final byte[] encodedImage) throws ImageDecodeException {
        final DecodedImage decoded = decoder.decode(encodedImage, draft);
        final RgbImage resized = ImageResizer.resize(decoded.image(), spec.width(), spec.height(), spec.resizeMode(), spec.interpolation(),
                spec.shorterSide());
        return new DecodedImage(resized, decoded.format(), decoded.sourceWidth(), decoded.sourceHeight());
    }
}

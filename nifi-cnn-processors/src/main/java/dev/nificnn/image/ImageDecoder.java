package dev.nificnn.image;

import com.twelvemonkeys.imageio.stream.ByteArrayImageInputStream;

import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferUShort;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.SampleModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Decodes JPEG, PNG, GIF (first frame), BMP, TIFF and WebP content to upright 8-bit RGB, refusing anything damaged,
 * unrecognised or larger than a pixel limit with an {@link ImageDecodeException} that says why.
 * Grey, palette, 16-bit and alpha images become RGB the way Pillow's {@code convert("RGB")} does it (alpha is dropped).
 * Plain YCbCr JPEGs are decoded by libjpeg-turbo where this JVM has it ({@link LibjpegTurbo}), everything else by ImageIO.
 * Thread-safe: each thread keeps its own ImageIO readers.
 */
public final class ImageDecoder {

    /** Default limit on width x height: about 50 megapixels. */
    public static final long DEFAULT_MAX_PIXELS = 50_000_000L;

    /** Per thread, the reader tried first for each format; readers are not thread-safe, and creating one per image is slow. */
    private static final ThreadLocal<Map<ImageFormat, ImageReader>> PRIMARY_READERS = ThreadLocal.withInitial(() -> new EnumMap<>(ImageFormat.class));
    /** Per thread, the reader tried when the primary JPEG reader cannot decode an image (CMYK, YCCK). */
    private static final ThreadLocal<Map<ImageFormat, ImageReader>> FALLBACK_READERS = ThreadLocal.withInitial(() -> new EnumMap<>(ImageFormat.class));

    static {
        // In a NiFi NAR the ImageIO registry may have been filled before our class loader was seen: register the TwelveMonkeys plugins.
        final Thread thread = Thread.currentThread();
        final ClassLoader previous = thread.getContextClassLoader();
        try {
            thread.setContextClassLoader(ImageDecoder.class.getClassLoader());
            ImageIO.scanForPlugins();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    private final long maxPixels;
    /** libjpeg-turbo, or null to decode every JPEG with ImageIO. */
    private final JpegDecompressor jpegDecompressor;

    /**
     * A decoder that refuses images whose header declares more than {@code maxPixels} pixels (width x height), and decodes
     * plain YCbCr JPEGs with libjpeg-turbo when this JVM has it.
     */
    public ImageDecoder(final long maxPixels) {
        this(maxPixels, LibjpegTurbo.decompressor().orElse(null));
    }

    private ImageDecoder(final long maxPixels, final JpegDecompressor jpegDecompressor) {
        if (maxPixels < 1) {
            throw new IllegalArgumentException("Maximum pixels must be positive, not " + maxPixels);
        }
        this.maxPixels = maxPixels;
        this.jpegDecompressor = jpegDecompressor;
    }

    /** A decoder that never uses libjpeg-turbo: ImageIO decodes every JPEG (the path a JVM without the library takes). */
    static ImageDecoder withoutLibjpegTurbo(final long maxPixels) {
        return new ImageDecoder(maxPixels, null);
    }

    /** Which decoder plain YCbCr JPEGs get in this JVM and, when it is ImageIO, why; processors log it when scheduled. */
    public static String jpegDecoderStatus() {
        return LibjpegTurbo.status();
    }

    /** The pixel limit of this decoder. */
    public long maxPixels() {
        return maxPixels;
    }

    /** Decodes {@code content} to an upright RGB image. */
    public DecodedImage decode(final byte[] content) throws ImageDecodeException {
        return decode(content, JpegDraft.NONE);
    }

    /** Decodes {@code content} to an upright RGB image, a JPEG at the reduced size {@code draft} allows when libjpeg-turbo decodes it. */
    public DecodedImage decode(final byte[] content, final JpegDraft draft) throws ImageDecodeException {
        final ImageFormat format = sniff(content);
        final int orientation = orientation(content, format);
        final NativeImage nativelyDecoded = decodeNatively(content, format, orientation, draft);
        if (nativelyDecoded != null) {
            final RgbImage upright = ExifOrientation.apply(nativelyDecoded.image(), orientation);
            return new DecodedImage(upright, format, nativelyDecoded.uprightWidth(), nativelyDecoded.uprightHeight());
        }
        final BufferedImage decoded = read(content, format);
        return new DecodedImage(ExifOrientation.apply(toRgb(decoded), orientation), format);
    }

    /**
     * Decodes {@code content} and returns its upright pixels, where possible as a view of the decoder's own raster (no copy).
     * The view is valid until the next call on the same thread.
     */
    DecodedPixels decodePixels(final byte[] content) throws ImageDecodeException {
        return decodePixels(content, JpegDraft.NONE);
    }

    /** Like {@link #decodePixels(byte[])}, a JPEG at the reduced size {@code draft} allows when libjpeg-turbo decodes it. */
    DecodedPixels decodePixels(final byte[] content, final JpegDraft draft) throws ImageDecodeException {
        final ImageFormat format = sniff(content);
        final int orientation = orientation(content, format);
        final NativeImage nativelyDecoded = decodeNatively(content, format, orientation, draft);
        if (nativelyDecoded != null) {
            return new DecodedPixels(PixelView.of(ExifOrientation.apply(nativelyDecoded.image(), orientation)), format,
                    nativelyDecoded.uprightWidth(), nativelyDecoded.uprightHeight());
        }
        if (format == ImageFormat.JPEG && orientation == ExifOrientation.UPRIGHT && JpegHeader.isPlainYCbCr(content)) {
            final PixelView view = readYCbCr(content);
            if (view != null) {
                return new DecodedPixels(view, format);
            }
        }
        final BufferedImage decoded = read(content, format);
        if (orientation == ExifOrientation.UPRIGHT) {
            final PixelView view = interleavedView(decoded);
            if (view != null) {
                return new DecodedPixels(view, format);
            }
        }
        return new DecodedPixels(PixelView.of(ExifOrientation.apply(toRgb(decoded), orientation)), format);
    }

    /**
     * The pixels of a plain YCbCr JPEG as libjpeg-turbo decodes them, or null for anything else and for any JPEG it declines
     * (damaged, over the pixel limit): ImageIO then decodes it or says what is wrong, in the same words with or without the library.
     */
    private NativeImage decodeNatively(final byte[] content, final ImageFormat format, final int orientation, final JpegDraft draft) {
        if (jpegDecompressor == null || format != ImageFormat.JPEG || !JpegHeader.isPlainYCbCr(content) || !hasEndOfImageMarker(content)) {
            return null;
        }
        // The decompressor sees the stored size; the draft rule and the attributes speak of the upright one.
        final boolean swapsAxes = ExifOrientation.swapsAxes(orientation);
        final int[] stored = new int[2];
        final RgbImage image = jpegDecompressor.decompress(content, maxPixels, (width, height) -> {
            stored[0] = width;
            stored[1] = height;
            return swapsAxes ? draft.denominator(height, width) : draft.denominator(width, height);
        });
        if (image == null) {
            return null;
        }
        return swapsAxes ? new NativeImage(image, stored[1], stored[0]) : new NativeImage(image, stored[0], stored[1]);
    }

    /** A natively decoded image as stored (not yet turned upright) and the upright size the JPEG declares. */
    private record NativeImage(RgbImage image, int uprightWidth, int uprightHeight) {
    }

    /**
     * Upright decoded pixels, their source format and the upright size the source declares (larger than the pixels' when a
     * JPEG was decoded as a draft).
     */
    record DecodedPixels(PixelView pixels, ImageFormat format, int sourceWidth, int sourceHeight) {

        DecodedPixels(final PixelView pixels, final ImageFormat format) {
            this(pixels, format, pixels.width(), pixels.height());
        }
    }

    private static ImageFormat sniff(final byte[] content) throws ImageDecodeException {
        if (content == null || content.length == 0) {
            throw new ImageDecodeException("Content is empty: there is no image to decode");
        }
        final ImageFormat format = ImageFormat.sniff(content);
        if (format == null) {
            throw new ImageDecodeException(describeUnrecognised(content));
        }
        return format;
    }

    private static int orientation(final byte[] content, final ImageFormat format) {
        return switch (format) {
            case JPEG -> ExifOrientation.ofJpeg(content);
            case TIFF -> ExifOrientation.ofTiff(content, 0, content.length);
            default -> ExifOrientation.UPRIGHT;
        };
    }

    private BufferedImage read(final byte[] content, final ImageFormat format) throws ImageDecodeException {
        BufferedImage decoded;
        try {
            decoded = read(content, format, PRIMARY_READERS.get(), false);
        } catch (final FallbackNeededException e) {
            // The JDK's JPEG reader does not decode CMYK or YCCK JPEGs; TwelveMonkeys' reader does (more slowly).
            try {
                decoded = read(content, format, FALLBACK_READERS.get(), true);
            } catch (final FallbackNeededException unexpected) {
                throw new ImageDecodeException(format + " content could not be decoded: " + describe(unexpected.getCause()), unexpected.getCause());
            }
        }
        if (format == ImageFormat.JPEG && !hasEndOfImageMarker(content)) {
            throw new ImageDecodeException("JPEG content is truncated: the end-of-image marker is missing");
        }
        return decoded;
    }

    /**
     * The JDK reader's unconverted raster of a plain YCbCr JPEG as a YCbCr view, or null when the JDK reader is not the primary
     * JPEG reader or the raster is not 8-bit interleaved. Skipping the reader's colour conversion and its copy into a
     * BufferedImage saves about a fifth of the decoding time; the resizer converts with libjpeg's own arithmetic.
     */
    private PixelView readYCbCr(final byte[] content) throws ImageDecodeException {
        final Map<ImageFormat, ImageReader> readers = PRIMARY_READERS.get();
        final Raster raster;
        try {
            raster = read(content, ImageFormat.JPEG, readers, false, (reader, parameters) ->
                    reader.getClass().getName().startsWith("com.sun.imageio") ? reader.readRaster(0, parameters) : null);
        } catch (final FallbackNeededException e) {
            return null;
        }
        if (!hasEndOfImageMarker(content)) {
            throw new ImageDecodeException("JPEG content is truncated: the end-of-image marker is missing");
        }
        if (raster == null || raster.getNumBands() != 3 || !(raster.getDataBuffer() instanceof DataBufferByte bytes) || bytes.getNumBanks() != 1
                || !(raster.getSampleModel() instanceof ComponentSampleModel components) || !sameBank(components)
                || raster.getParent() != null || raster.getSampleModelTranslateX() != 0 || raster.getSampleModelTranslateY() != 0) {
            return null;
        }
        final int[] bandOffsets = components.getBandOffsets();
        return new PixelView(bytes.getData(), bytes.getOffset(), raster.getWidth(), raster.getHeight(), components.getScanlineStride(),
                components.getPixelStride(), bandOffsets[0], bandOffsets[1], bandOffsets[2], true);
    }

    private BufferedImage read(final byte[] content, final ImageFormat format, final Map<ImageFormat, ImageReader> readers, final boolean fallback)
            throws ImageDecodeException, FallbackNeededException {
        return read(content, format, readers, fallback, (reader, parameters) -> reader.read(0, parameters));
    }

    /** What is read once the input is set and the declared size checked: an image or a raster. */
    private interface ReadStep<T> {
        T read(ImageReader reader, ImageReadParam parameters) throws IOException;
    }

    private <T> T read(final byte[] content, final ImageFormat format, final Map<ImageFormat, ImageReader> readers, final boolean fallback,
                       final ReadStep<T> step) throws ImageDecodeException, FallbackNeededException {
        ImageReader reader = readers.get(format);
        if (reader == null) {
            reader = createReader(format, fallback);
            readers.put(format, reader);
        }
        final List<String> warnings = new ArrayList<>(1);
        final IIOReadWarningListener warningListener = (source, warning) -> {
            // Readers also warn about harmless things (no ICC profile, extraneous bytes): only data that ends early is fatal.
            if (isTruncationWarning(warning)) {
                warnings.add(warning);
            }
        };
        final T decoded;
        try {
            reader.addIIOReadWarningListener(warningListener);
            reader.setInput(new ByteArrayImageInputStream(content), false, true);
            final int width;
            final int height;
            try {
                width = reader.getWidth(0);
                height = reader.getHeight(0);
            } catch (final IndexOutOfBoundsException e) {
                throw new ImageDecodeException(format + " content holds no image frames");
            }
            if ((long) width * height > maxPixels) {
                throw new ImageDecodeException(format + " image declares " + width + " x " + height + " = " + (long) width * height
                        + " pixels, more than the Maximum Pixels limit of " + maxPixels + "; refused before decoding");
            }
            if (width < 1 || height < 1) {
                throw new ImageDecodeException(format + " image declares an empty size of " + width + " x " + height);
            }
            final ImageReadParam parameters = reader.getDefaultReadParam();
            decoded = step.read(reader, parameters);
        } catch (final ImageDecodeException e) {
            discard(readers, format);
            throw e;
        } catch (final IIOException e) {
            discard(readers, format);
            if (!fallback && format == ImageFormat.JPEG && warnings.isEmpty()) {
                throw new FallbackNeededException(e);
            }
            throw new ImageDecodeException(format + " content could not be decoded (truncated or corrupt?): " + describe(e), e);
        } catch (final IOException | RuntimeException e) {
            discard(readers, format);
            throw new ImageDecodeException(format + " content could not be decoded (truncated or corrupt?): " + describe(e), e);
        } catch (final OutOfMemoryError e) {
            discard(readers, format);
            throw new ImageDecodeException(format + " image is too large to decode in the memory available", e);
        } finally {
            // A discarded reader is already disposed: the JDK's JPEG reader throws IllegalStateException on any further call.
            if (readers.get(format) == reader) {
                reader.removeIIOReadWarningListener(warningListener);
                reader.setInput(null);
            }
        }
        if (!warnings.isEmpty()) {
            throw new ImageDecodeException(format + " content is truncated or corrupt: " + String.join("; ", warnings));
        }
        return decoded;
    }

    /** A view of the decoded raster when it is 8-bit interleaved sRGB (the usual JPEG, PNG and BMP case); null otherwise. */
    private static PixelView interleavedView(final BufferedImage image) {
        final ColorModel colorModel = image.getColorModel();
        final Raster raster = image.getRaster();
        if (colorModel instanceof IndexColorModel || !colorModel.getColorSpace().isCS_sRGB() || raster.getNumBands() < 3
                || !(raster.getDataBuffer() instanceof DataBufferByte bytes) || bytes.getNumBanks() != 1
                || !(raster.getSampleModel() instanceof ComponentSampleModel components) || !sameBank(components)
                || raster.getParent() != null || raster.getSampleModelTranslateX() != 0 || raster.getSampleModelTranslateY() != 0) {
            return null;
        }
        final int[] bandOffsets = components.getBandOffsets();
        return new PixelView(bytes.getData(), bytes.getOffset(), image.getWidth(), image.getHeight(), components.getScanlineStride(),
                components.getPixelStride(), bandOffsets[0], bandOffsets[1], bandOffsets[2]);
    }

    /** Converts any decoded BufferedImage to 8-bit RGB. */
    static RgbImage toRgb(final BufferedImage image) {
        final int width = image.getWidth();
        final int height = image.getHeight();
        final byte[] rgb = new byte[3 * width * height];
        final ColorModel colorModel = image.getColorModel();
        final Raster raster = image.getRaster();
        final SampleModel sampleModel = raster.getSampleModel();
        final int colorSpaceType = colorModel.getColorSpace().getType();
        final boolean grey = colorSpaceType == ColorSpace.TYPE_GRAY;
        final boolean srgb = colorModel.getColorSpace().isCS_sRGB();
        if (colorModel instanceof IndexColorModel palette) {
            copyPalette(raster, palette, rgb);
        } else if ((grey || srgb) && sampleModel instanceof ComponentSampleModel components
                && raster.getParent() == null && raster.getSampleModelTranslateX() == 0 && raster.getSampleModelTranslateY() == 0
                && (raster.getDataBuffer() instanceof DataBufferByte || raster.getDataBuffer() instanceof DataBufferUShort)
                && raster.getDataBuffer().getNumBanks() == 1 && sameBank(components)) {
            copyComponents(raster, components, grey, rgb);
        } else {
            // Any other colour model (packed RGB, other colour spaces, CMYK left unconverted): let Java2D convert to sRGB.
            final int[] row = new int[width];
            int output = 0;
            for (int y = 0; y < height; y++) {
                image.getRGB(0, y, width, 1, row, 0, width);
                for (int x = 0; x < width; x++) {
                    final int argb = row[x];
                    rgb[output++] = (byte) (argb >> 16);
                    rgb[output++] = (byte) (argb >> 8);
                    rgb[output++] = (byte) argb;
                }
            }
        }
        return new RgbImage(width, height, rgb);
    }

    private static boolean sameBank(final ComponentSampleModel components) {
        for (final int bank : components.getBankIndices()) {
            if (bank != 0) {
                return false;
            }
        }
        return true;
    }

    private static void copyComponents(final Raster raster, final ComponentSampleModel components, final boolean grey, final byte[] rgb) {
        final int width = raster.getWidth();
        final int height = raster.getHeight();
        final int pixelStride = components.getPixelStride();
        final int scanlineStride = components.getScanlineStride();
        final int[] bandOffsets = components.getBandOffsets();
        final int red = bandOffsets[0];
        final int green = grey ? red : bandOffsets[1];
        final int blue = grey ? red : bandOffsets[2];
        final DataBuffer buffer = raster.getDataBuffer();
        final int bufferOffset = buffer.getOffset();
        int output = 0;
        if (buffer instanceof DataBufferByte bytes) {
            final byte[] data = bytes.getData();
            for (int y = 0; y < height; y++) {
                int input = bufferOffset + y * scanlineStride;
                for (int x = 0; x < width; x++) {
                    rgb[output++] = data[input + red];
                    rgb[output++] = data[input + green];
                    rgb[output++] = data[input + blue];
                    input += pixelStride;
                }
            }
        } else {
            // 16-bit samples keep their high byte, as Pillow does when it opens a 16-bit PNG as RGB.
            final short[] data = ((DataBufferUShort) buffer).getData();
            for (int y = 0; y < height; y++) {
                int input = bufferOffset + y * scanlineStride;
                for (int x = 0; x < width; x++) {
                    rgb[output++] = (byte) ((data[input + red] & 0xffff) >>> 8);
                    rgb[output++] = (byte) ((data[input + green] & 0xffff) >>> 8);
                    rgb[output++] = (byte) ((data[input + blue] & 0xffff) >>> 8);
                    input += pixelStride;
                }
            }
        }
    }

    private static void copyPalette(final Raster raster, final IndexColorModel palette, final byte[] rgb) {
        final int size = palette.getMapSize();
        final byte[] reds = new byte[size];
        final byte[] greens = new byte[size];
        final byte[] blues = new byte[size];
        palette.getReds(reds);
        palette.getGreens(greens);
        palette.getBlues(blues);
        final int width = raster.getWidth();
        final int[] indices = new int[width];
        int output = 0;
        for (int y = 0; y < raster.getHeight(); y++) {
            raster.getSamples(raster.getMinX(), raster.getMinY() + y, width, 1, 0, indices);
            for (int x = 0; x < width; x++) {
                final int index = Math.min(indices[x], size - 1);
                rgb[output++] = reds[index];
                rgb[output++] = greens[index];
                rgb[output++] = blues[index];
            }
        }
    }

    private static boolean isTruncationWarning(final String warning) {
        final String lower = warning == null ? "" : warning.toLowerCase(Locale.ROOT);
        return lower.contains("premature end") || lower.contains("truncat") || lower.contains("unexpected end") || lower.contains("end of file");
    }

    private static boolean hasEndOfImageMarker(final byte[] content) {
        // Some cameras append data after the end-of-image marker: look for it near the end rather than only at the end.
        final int searchFrom = Math.max(2, content.length - 65_536);
        for (int i = content.length - 2; i >= searchFrom; i--) {
            if (content[i] == (byte) 0xFF && content[i + 1] == (byte) 0xD9) {
                return true;
            }
        }
        return false;
    }

    /**
     * For JPEG the JDK's own reader comes first (it is the fastest) and TwelveMonkeys' is the fallback; for the other formats
     * the TwelveMonkeys reader is preferred where one is registered (more TIFF, BMP and WebP variants).
     */
    private static ImageReader createReader(final ImageFormat format, final boolean fallback) throws ImageDecodeException {
        final boolean preferJdk = format == ImageFormat.JPEG && !fallback;
        final Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format.imageIoName());
        ImageReader chosen = null;
        while (readers.hasNext()) {
            final ImageReader candidate = readers.next();
            final boolean jdk = candidate.getClass().getName().startsWith("com.sun.imageio");
            if (chosen == null || (preferJdk ? jdk : candidate.getClass().getName().startsWith("com.twelvemonkeys"))) {
                if (chosen != null) {
                    chosen.dispose();
                }
                chosen = candidate;
            } else {
                candidate.dispose();
            }
        }
        if (chosen == null) {
            throw new ImageDecodeException("No ImageIO reader is installed for " + format + " images");
        }
        return chosen;
    }

    /** The primary reader refused an image that the fallback reader may decode. */
    private static final class FallbackNeededException extends Exception {
        FallbackNeededException(final IIOException cause) {
            super(cause);
        }
    }

    private static void discard(final Map<ImageFormat, ImageReader> readers, final ImageFormat format) {
        // A reader that failed may be left in a state that spoils the next image: start afresh.
        final ImageReader reader = readers.remove(format);
        if (reader != null) {
            try {
                reader.dispose();
            } catch (final RuntimeException ignored) {
                // Nothing to recover: the reader is dropped either way.
            }
        }
    }

    private static String describe(final Throwable error) {
        Throwable cause = error;
        while (cause.getCause() != null && cause.getCause() != cause && (cause.getMessage() == null || cause instanceof IIOException && cause.getCause() != null)) {
            cause = cause.getCause();
        }
        final String message = cause.getMessage();
        return message == null || message.isBlank() ? cause.getClass().getSimpleName() : message;
    }

    private static String describeUnrecognised(final byte[] content) {
        final String known = ImageFormat.describeUnsupported(content);
        if (known != null) {
            return "Unsupported image format: content is " + known + "; supported formats are JPEG, PNG, GIF, BMP, TIFF and WebP";
        }
        if (looksLikeText(content)) {
            final String start = new String(content, 0, Math.min(content.length, 40), StandardCharsets.UTF_8).strip().replaceAll("\\s+", " ");
            return "Content is text, not an image (starts with \"" + start + "\")";
        }
        final StringBuilder hex = new StringBuilder();
        for (int i = 0; i < Math.min(content.length, 8); i++) {
            hex.append(String.format("%02x ", content[i] & 0xff));
        }
        return "Content is not a recognised image format (first bytes " + hex.toString().strip()
                + "); supported formats are JPEG, PNG, GIF, BMP, TIFF and WebP";
    }

    private static boolean looksLikeText(final byte[] content) {
        final int length = Math.min(content.length, 512);
        for (int i = 0; i < length; i++) {
            final int value = content[i] & 0xff;
            if (value < 0x09 || value > 0x0D && value < 0x20 || value == 0x7F) {
                return false;
            }
        }
        return true;
    }
}

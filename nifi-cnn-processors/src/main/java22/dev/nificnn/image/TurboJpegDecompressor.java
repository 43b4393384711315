package dev.nificnn.image;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Set;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * libjpeg-turbo's TurboJPEG 2 C API through {@code java.lang.foreign} (Java 22+; this class is in the jar's
 * {@code META-INF/versions/22}, and {@link LibjpegTurbo} loads it by name). Thread-safe: each call makes its own TurboJPEG
 * handle (about half a microsecond) and its own native buffers, freed before it returns, so nothing outlives a call.
 */
final class TurboJpegDecompressor implements JpegDecompressor {

    /** TJPF_RGB: three bytes per pixel, R then G then B. */
    private static final int PIXEL_FORMAT_RGB = 0;
    /** TJFLAG_STOPONWARNING: a warning (such as "Premature end of JPEG file") fails the call instead of returning grey rows. */
    private static final int FLAG_STOP_ON_WARNING = 8192;
    /** TJFLAG_LIMITSCANS (2.1+; ignored by 2.0): a progressive JPEG with more than 500 scans fails instead of burning CPU. */
    private static final int FLAG_LIMIT_SCANS = 32768;
    /** TJCS_YCbCr. */
    private static final int COLOR_SPACE_YCBCR = 1;
    /**
     * TJSAMP_444, TJSAMP_422, TJSAMP_420: the chroma subsamplings that libjpeg-turbo and the JDK's libjpeg 6b upsample alike,
     * byte for byte (LibjpegTurboTest checks each). 4:4:0 differs (libjpeg-turbo has a fancy vertical upsampler that 6b
     * lacks), so it and the rarer ones are declined: a JPEG decodes to the same pixels with or without the library.
     */
    private static final Set<Integer> SUBSAMPLINGS_DECODED_ALIKE = Set.of(0, 1, 2);
    /** Images with a shorter side than this are never drafted (see where it is used). */
    private static final int SMALLEST_DRAFTED_SIDE = 16;

    private final String library;
    private final MethodHandle initDecompress;
    private final MethodHandle destroy;
    private final MethodHandle decompressHeader;
    private final MethodHandle decompress;

    /** Links the functions of {@code library} (a file name on the library path, or a path); throws when it cannot. */
    TurboJpegDecompressor(final String library) {
        this.library = library;
        // The library stays loaded for the life of the JVM, as a JNI library would.
        final SymbolLookup symbols = SymbolLookup.libraryLookup(library, Arena.global());
        final Linker linker = Linker.nativeLinker();
        // TJFLAG_STOPONWARNING came with the TurboJPEG 2.0 API, as did tjGetErrorCode: its presence tells a 2.0+ library.
        symbols.find("tjGetErrorCode").orElseThrow(() -> new IllegalStateException(library + " is older than libjpeg-turbo 2.0"));
        initDecompress = link(linker, symbols, "tjInitDecompress", FunctionDescriptor.of(ADDRESS));
        destroy = link(linker, symbols, "tjDestroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        // int tjDecompressHeader3(tjhandle, const unsigned char *jpegBuf, unsigned long jpegSize, int *width, int *height,
        //                         int *jpegSubsamp, int *jpegColorspace)
        decompressHeader = link(linker, symbols, "tjDecompressHeader3",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        // int tjDecompress2(tjhandle, const unsigned char *jpegBuf, unsigned long jpegSize, unsigned char *dstBuf,
        //                   int width, int pitch, int height, int pixelFormat, int flags)
        decompress = link(linker, symbols, "tjDecompress2",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    }

    private static MethodHandle link(final Linker linker, final SymbolLookup symbols, final String name, final FunctionDescriptor descriptor) {
        final MemorySegment function = symbols.find(name)
                .orElseThrow(() -> new IllegalStateException("the TurboJPEG library has no function " + name + " (libjpeg-turbo 2.0 or later is needed)"));
        return linker.downcallHandle(function, descriptor);
    }

    @Override
    public RgbImage decompress(final byte[] jpeg, final long maxPixels, final JpegDraft draft) {
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment handle = (MemorySegment) initDecompress.invokeExact();
            if (handle.equals(MemorySegment.NULL)) {
                return null;
            }
            try {
                return decompress(handle, arena, jpeg, maxPixels, draft);
            } finally {
                final int ignored = (int) destroy.invokeExact(handle);
            }
        } catch (final OutOfMemoryError e) {
            // Native memory for the pixels could not be had: ImageIO decides (it has its own out-of-memory report).
            return null;
        } catch (final RuntimeException e) {
            throw e;
        } catch (final Throwable e) {
            // invokeExact declares Throwable; the C functions report errors by return code, so this is a binding defect.
            throw new IllegalStateException("libjpeg-turbo call failed: " + e, e);
        }
    }

    private RgbImage decompress(final MemorySegment handle, final Arena arena, final byte[] jpeg, final long maxPixels, final JpegDraft draft)
            throws Throwable {
        final MemorySegment source = arena.allocate(jpeg.length);
        MemorySegment.copy(jpeg, 0, source, JAVA_BYTE, 0, jpeg.length);
        final MemorySegment header = arena.allocate(JAVA_INT, 4);
        final int headerResult = (int) decompressHeader.invokeExact(handle, source, (long) jpeg.length,
                header, header.asSlice(4), header.asSlice(8), header.asSlice(12));
        final int width = header.getAtIndex(JAVA_INT, 0);
        final int height = header.getAtIndex(JAVA_INT, 1);
        final int subsampling = header.getAtIndex(JAVA_INT, 2);
        final int colorSpace = header.getAtIndex(JAVA_INT, 3);
        // The pixel limit is checked here, before any pixel memory is taken, as ImageIO's path does from the header.
        if (headerResult != 0 || colorSpace != COLOR_SPACE_YCBCR || !SUBSAMPLINGS_DECODED_ALIKE.contains(subsampling)
                || width < 1 || height < 1 || (long) width * height > maxPixels || 3L * width * height > Integer.MAX_VALUE) {
            return null;
        }
        final int requested = draft.denominator(width, height);
        if (requested != 1 && requested != 2 && requested != 4 && requested != 8) {
            throw new IllegalArgumentException("JPEG draft denominator must be 1, 2, 4 or 8, not " + requested);
        }
        // tjDecompress2 takes an output size, not a factor: asked for exactly ceil(size / d), it picks the largest scaling factor
        // whose result fits, which is 1/d except for images a few pixels wide (3 x 3 at 1/2 gets 5/8): those are decoded whole.
        final int denominator = Math.min(width, height) < SMALLEST_DRAFTED_SIDE ? 1 : requested;
        final int outputWidth = (width + denominator - 1) / denominator;
        final int outputHeight = (height + denominator - 1) / denominator;
        final int rowBytes = 3 * outputWidth;
        final MemorySegment pixels = arena.allocate((long) rowBytes * outputHeight);
        final int result = (int) decompress.invokeExact(handle, source, (long) jpeg.length, pixels, outputWidth, rowBytes, outputHeight,
                PIXEL_FORMAT_RGB, FLAG_STOP_ON_WARNING | FLAG_LIMIT_SCANS);
        if (result != 0) {
            return null;
        }
        final byte[] rgb = new byte[rowBytes * outputHeight];
        MemorySegment.copy(pixels, JAVA_BYTE, 0, rgb, 0, rgb.length);
        return new RgbImage(outputWidth, outputHeight, rgb);
    }

    @Override
    public String toString() {
        return library;
    }
}

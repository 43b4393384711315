package dev.nificnn.image;

import java.util.Locale;
import java.util.Optional;

/**
 * Whether this JVM can decode JPEG with libjpeg-turbo's TurboJPEG library (Debian's {@code libturbojpeg0}), and why not.
 * <p>
 * Why: the JDK's JPEG reader is libjpeg 6b without SIMD. libjpeg-turbo decodes a 500 x 375 photo to RGB in about 0.7 ms
 * where the JDK takes 2.7-3.5 ms, with the same bytes for 4:4:4, 4:2:2 and 4:2:0 chroma subsampling (both use libjpeg's
 * integer IDCT and fancy upsampling; other subsamplings are left to ImageIO). Its Java
 * binding is not on Maven Central, so the bundle calls the C library through {@code java.lang.foreign}, which is final from
 * Java 22: the binding ({@code TurboJpegDecompressor}) is in the jar's {@code META-INF/versions/22}. On Java 21, without the
 * library, or with the system property {@value #DECODER_PROPERTY}={@code imageio}, JPEG is decoded by ImageIO as before.
 */
final class LibjpegTurbo {

    /** System property that chooses the JPEG decoder: {@code libjpeg-turbo} (the default, when available) or {@code imageio}. */
    static final String DECODER_PROPERTY = "nificnn.jpeg.decoder";
    /** System property naming the TurboJPEG library file, when it is not {@code libturbojpeg.so.0} on the library path. */
    static final String LIBRARY_PROPERTY = "nificnn.libturbojpeg";

    private static final String BINDING = "dev.nificnn.image.TurboJpegDecompressor";
    private static final JpegDecompressor DECOMPRESSOR;
    private static final String STATUS;

    static {
        JpegDecompressor decompressor = null;
        String status;
        final String choice = System.getProperty(DECODER_PROPERTY, "libjpeg-turbo").strip().toLowerCase(Locale.ROOT);
        if (choice.equals("imageio")) {
            status = "ImageIO (libjpeg-turbo turned off by -D" + DECODER_PROPERTY + "=imageio)";
        } else if (Runtime.version().feature() < 22) {
            status = "ImageIO (libjpeg-turbo needs Java 22 or later; this is Java " + Runtime.version().feature() + ")";
        } else {
            try {
                decompressor = (JpegDecompressor) Class.forName(BINDING).getDeclaredConstructor(String.class)
                        .newInstance(System.getProperty(LIBRARY_PROPERTY, "libturbojpeg.so.0"));
                status = "libjpeg-turbo (" + decompressor + "), ImageIO for other JPEGs and when it declines one";
            } catch (final ClassNotFoundException e) {
                // Java 22+, but the classes come from a directory (an IDE, a build's target/classes) rather than the jar.
                status = "ImageIO (the libjpeg-turbo binding " + BINDING + " is not on the class path: it is in the multi-release jar's"
                        + " META-INF/versions/22)";
            } catch (final ReflectiveOperationException | LinkageError | RuntimeException e) {
                final Throwable cause = e.getCause() != null ? e.getCause() : e;
                status = "ImageIO (libjpeg-turbo not available: " + cause.getMessage() + "; on Debian/Ubuntu: apt-get install libturbojpeg0)";
            }
        }
        DECOMPRESSOR = decompressor;
        STATUS = status;
    }

    private LibjpegTurbo() {
    }

    /** The libjpeg-turbo decompressor, when this JVM has one. */
    static Optional<JpegDecompressor> decompressor() {
        return Optional.ofNullable(DECOMPRESSOR);
    }

    /** Which decoder plain YCbCr JPEGs get, and if it is ImageIO, why: for the processors' logs. */
    static String status() {
        return STATUS;
    }
}

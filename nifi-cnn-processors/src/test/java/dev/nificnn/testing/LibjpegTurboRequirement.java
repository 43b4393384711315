package dev.nificnn.testing;

import dev.nificnn.image.ImageDecoder;
import org.junit.jupiter.api.Assumptions;

/**
 * For tests of the libjpeg-turbo path: skipped with the reason when this JVM decodes JPEG with ImageIO (no libturbojpeg0,
 * Java 21, turned off), failed instead when NIFICNN_REQUIRE_LIBJPEG_TURBO=true, as .ci/run sets it.
 */
public final class LibjpegTurboRequirement {

    private LibjpegTurboRequirement() {
    }

    /** Returns when plain YCbCr JPEGs are decoded by libjpeg-turbo in this JVM; otherwise skips or fails the calling test. */
    public static void require() {
        final String status = ImageDecoder.jpegDecoderStatus();
        if (status.startsWith("libjpeg-turbo")) {
            return;
        }
        final String reason = "JPEG decoding is " + status + ": this test needs libjpeg-turbo (apt-get install libturbojpeg0)";
        if ("true".equalsIgnoreCase(System.getenv("NIFICNN_REQUIRE_LIBJPEG_TURBO"))) {
            throw new AssertionError("NIFICNN_REQUIRE_LIBJPEG_TURBO is set but " + reason);
        }
        Assumptions.abort(reason);
    }
}

package dev.nificnn.image;

import java.nio.charset.StandardCharsets;

/** Reads just enough of a JPEG's markers to tell whether it is plain YCbCr (converts to sRGB without a profile) and whether it is complete. */
final class JpegHeader {

    private static final byte[] JFIF = "JFIF\0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ADOBE = "Adobe".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ICC_PROFILE = "ICC_PROFILE\0".getBytes(StandardCharsets.US_ASCII);

    private JpegHeader() {
    }

    /**
     * True when the content is an 8-bit, three-component, Huffman-coded (baseline, extended or progressive) JPEG whose components
     * are YCbCr by the rules libjpeg applies (a JFIF marker, or component ids 1, 2, 3) and that carries neither an Adobe marker
     * (which may declare RGB, CMYK or YCCK) nor an ICC profile. False for anything else, including damaged headers: those take
     * the general decoding path.
     */
    static boolean isPlainYCbCr(final byte[] content) {
        if (content.length < 4 || (content[0] & 0xff) != 0xFF || (content[1] & 0xff) != 0xD8) {
            return false;
        }
        boolean jfif = false;
        boolean frame = false;
        boolean frameIdsAreYCbCr = false;
        int position = 2;
        while (position + 4 <= content.length) {
            if ((content[position] & 0xff) != 0xFF) {
                return false;
            }
            final int marker = content[position + 1] & 0xff;
            if (marker == 0xFF) {
                position++;
                continue;
            }
            if (marker == 0x01 || marker >= 0xD0 && marker <= 0xD7) {
                position += 2;
                continue;
            }
            final int length = (content[position + 2] & 0xff) << 8 | content[position + 3] & 0xff;
            final int body = position + 4;
            if (length < 2 || position + 2 + length > content.length) {
                return false;
            }
            switch (marker) {
                case 0xE0 -> jfif |= startsWith(content, body, length - 2, JFIF);
                case 0xE2 -> {
                    if (startsWith(content, body, length - 2, ICC_PROFILE)) {
                        return false;
                    }
                }
                case 0xEE -> {
                    if (startsWith(content, body, length - 2, ADOBE)) {
                        return false;
                    }
                }
                case 0xC0, 0xC1, 0xC2 -> {
                    // Precision, height (2), width (2), component count, then 3 bytes per component starting with its id.
                    if (length < 8 + 3 * 3 || (content[body] & 0xff) != 8 || (content[body + 5] & 0xff) != 3) {
                        return false;
                    }
                    frameIdsAreYCbCr = (content[body + 6] & 0xff) == 1 && (content[body + 9] & 0xff) == 2 && (content[body + 12] & 0xff) == 3;
                    frame = true;
                }
                case 0xDA -> {
                    // Start of scan: every marker that may change the colour interpretation has been seen.
                    return frame && (jfif || frameIdsAreYCbCr);
                }
                case 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF, 0xD9 -> {
                    return false;
                }
                default -> {
                    // Other segments (EXIF, comments, tables) do not change the colour space.
                }
            }
            position += 2 + length;
        }
        return false;
    }

    /** True when the end-of-image marker is there, near the end: a JPEG without one was cut short. */
    static boolean hasEndOfImageMarker(final byte[] content) {
        // Some cameras append data after the end-of-image marker: look for it near the end rather than only at the end.
        final int searchFrom = Math.max(2, content.length - 65_536);
        for (int i = content.length - 2; i >= searchFrom; i--) {
            if (content[i] == (byte) 0xFF && content[i + 1] == (byte) 0xD9) {
                return true;
            }
        }
        return false;
    }

    private static boolean startsWith(final byte[] content, final int offset, final int available, final byte[] prefix) {
        if (available < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (content[offset + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}

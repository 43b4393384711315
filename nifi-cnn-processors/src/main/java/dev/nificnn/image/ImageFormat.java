package dev.nificnn.image;

import java.nio.charset.StandardCharsets;

/** Image file formats this project decodes, recognised from their first bytes (never from a file name). */
public enum ImageFormat {
    JPEG("jpeg", "image/jpeg"),
    PNG("png", "image/png"),
    GIF("gif", "image/gif"),
    BMP("bmp", "image/bmp"),
    TIFF("tiff", "image/tiff"),
    WEBP("webp", "image/webp");

    private final String imageIoName;
    private final String mimeType;

    ImageFormat(final String imageIoName, final String mimeType) {
        this.imageIoName = imageIoName;
        this.mimeType = mimeType;
    }

    /** The ImageIO format name that finds a reader for this format. */
    public String imageIoName() {
        return imageIoName;
    }

    /** The MIME type of files in this format. */
    public String mimeType() {
        return mimeType;
    }

    /** Recognises the format from the magic bytes at the start of {@code content}; null when none matches. */
    public static ImageFormat sniff(final byte[] content) {
        if (startsWith(content, 0, 0xFF, 0xD8, 0xFF)) {
            return JPEG;
        }
        if (startsWith(content, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
            return PNG;
        }
        if (startsWith(content, 0, 'G', 'I', 'F', '8') && content.length > 5 && (content[4] == '7' || content[4] == '9') && content[5] == 'a') {
            return GIF;
        }
        if (startsWith(content, 0, 'B', 'M') && content.length >= 26) {
            return BMP;
        }
        if (startsWith(content, 0, 'I', 'I', 0x2A, 0x00) || startsWith(content, 0, 'M', 'M', 0x00, 0x2A)
                || startsWith(content, 0, 'I', 'I', 0x2B, 0x00) || startsWith(content, 0, 'M', 'M', 0x00, 0x2B)) {
            return TIFF;
        }
        if (startsWith(content, 0, 'R', 'I', 'F', 'F') && startsWith(content, 8, 'W', 'E', 'B', 'P')) {
            return WEBP;
        }
        return null;
    }

    /** Names a format that is recognised but not decoded, for the error message; null when the bytes mean nothing known. */
    static String describeUnsupported(final byte[] content) {
        if (startsWith(content, 0, 0x00, 0x00, 0x00) && content.length > 11 && startsWith(content, 4, 'f', 't', 'y', 'p')) {
            final String brand = new String(content, 8, 4, StandardCharsets.US_ASCII);
            return brand.startsWith("hei") || brand.startsWith("mif1") || brand.startsWith("hev") ? "HEIF/HEIC" : brand.startsWith("avi") ? "AVIF" : "ISO media (" + brand.strip() + ")";
        }
        if (startsWith(content, 0, '%', 'P', 'D', 'F')) {
            return "PDF";
        }
        if (startsWith(content, 0, 0x00, 0x00, 0x01, 0x00)) {
            return "ICO";
        }
        if (startsWith(content, 0, '8', 'B', 'P', 'S')) {
            return "Photoshop PSD";
        }
        if (startsWith(content, 0, 0x00, 0x00, 0x00, 0x0C, 'j', 'P', ' ', ' ')) {
            return "JPEG 2000";
        }
        if (startsWith(content, 0, 0xFF, 0x0A)) {
            return "JPEG XL";
        }
        if (startsWith(content, 0, 'P', '1') || startsWith(content, 0, 'P', '2') || startsWith(content, 0, 'P', '3')
                || startsWith(content, 0, 'P', '4') || startsWith(content, 0, 'P', '5') || startsWith(content, 0, 'P', '6')) {
            return content.length > 2 && Character.isWhitespace(content[2]) ? "Netpbm (PNM)" : null;
        }
        if (startsWith(content, 0, 'P', 'K', 0x03, 0x04)) {
            return "ZIP archive";
        }
        if (startsWith(content, 0, 0x1F, 0x8B)) {
            return "gzip archive";
        }
        return null;
    }

    private static boolean startsWith(final byte[] content, final int offset, final int... expected) {
        if (content.length < offset + expected.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if ((content[offset + i] & 0xff) != expected[i]) {
                return false;
            }
        }
        return true;
    }
}

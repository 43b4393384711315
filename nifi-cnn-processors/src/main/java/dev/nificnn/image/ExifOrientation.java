package dev.nificnn.image;

/**
 * Reads the EXIF orientation tag (0x0112) of JPEG and TIFF files and turns decoded pixels upright.
 * Orientation values follow the EXIF standard: 1 upright, 2 mirrored, 3 rotated 180, 4 flipped,
 * 5 transposed, 6 rotated 90 clockwise to view, 7 transversed, 8 rotated 90 counter-clockwise to view.
 */
final class ExifOrientation {

    static final int UPRIGHT = 1;
    private static final int ORIENTATION_TAG = 0x0112;

    private ExifOrientation() {
    }

    /** Returns the orientation of content in {@code format}: only JPEG and TIFF carry one, the others are upright. */
    static int of(final byte[] content, final ImageFormat format) {
        return switch (format) {
            case JPEG -> ofJpeg(content);
            case TIFF -> ofTiff(content, 0, content.length);
            default -> UPRIGHT;
        };
    }

    /** Returns the orientation of a JPEG file (1 when there is no EXIF block, or it is damaged). */
    static int ofJpeg(final byte[] content) {
        int position = 2;
        while (position + 4 <= content.length) {
            if ((content[position] & 0xff) != 0xFF) {
                return UPRIGHT;
            }
            final int marker = content[position + 1] & 0xff;
            if (marker == 0xFF) {
                position++;
                continue;
            }
            if (marker == 0xDA || marker == 0xD9) {
                return UPRIGHT;
            }
            final int length = ((content[position + 2] & 0xff) << 8) | (content[position + 3] & 0xff);
            final int segmentStart = position + 4;
            if (marker == 0xE1 && length >= 8 && segmentStart + 6 <= content.length
                    && content[segmentStart] == 'E' && content[segmentStart + 1] == 'x' && content[segmentStart + 2] == 'i'
                    && content[segmentStart + 3] == 'f' && content[segmentStart + 4] == 0 && content[segmentStart + 5] == 0) {
                return ofTiff(content, segmentStart + 6, Math.min(content.length, position + 2 + length));
            }
            position += 2 + length;
        }
        return UPRIGHT;
    }

    /** Returns the orientation stored in the first IFD of the TIFF structure in {@code content[start, end)}. */
    static int ofTiff(final byte[] content, final int start, final int end) {
        if (end - start < 8) {
            return UPRIGHT;
        }
        final boolean littleEndian;
        if (content[start] == 'I' && content[start + 1] == 'I') {
            littleEndian = true;
        } else if (content[start] == 'M' && content[start + 1] == 'M') {
            littleEndian = false;
        } else {
            return UPRIGHT;
        }
        final long directory = start + readUnsigned(content, start + 4, 4, littleEndian);
        if (directory + 2 > end) {
            return UPRIGHT;
        }
        final int entries = (int) readUnsigned(content, (int) directory, 2, littleEndian);
        for (int i = 0; i < entries; i++) {
            final int entry = (int) directory + 2 + i * 12;
            if (entry + 12 > end) {
                return UPRIGHT;
            }
            if (readUnsigned(content, entry, 2, littleEndian) == ORIENTATION_TAG) {
                final int value = (int) readUnsigned(content, entry + 8, 2, littleEndian);
                return value >= 1 && value <= 8 ? value : UPRIGHT;
            }
        }
        return UPRIGHT;
    }

    /** Whether turning an image upright swaps its width and height (orientations 5 to 8: a quarter turn, maybe mirrored). */
    static boolean swapsAxes(final int orientation) {
        return orientation >= 5 && orientation <= 8;
    }

    /** Returns the image turned upright according to {@code orientation}; the same image when it is already upright. */
    static RgbImage apply(final RgbImage image, final int orientation) {
        if (orientation <= UPRIGHT || orientation > 8) {
            return image;
        }
        final int width = image.width();
        final int height = image.height();
        final boolean swapsAxes = swapsAxes(orientation);
        final int outputWidth = swapsAxes ? height : width;
        final int outputHeight = swapsAxes ? width : height;
        final byte[] source = image.pixels();
        final byte[] output = new byte[source.length];
        for (int y = 0; y < outputHeight; y++) {
            for (int x = 0; x < outputWidth; x++) {
                final int sourceX;
                final int sourceY;
                switch (orientation) {
                    case 2 -> {
                        sourceX = width - 1 - x;
                        sourceY = y;
                    }
                    case 3 -> {
                        sourceX = width - 1 - x;
                        sourceY = height - 1 - y;
                    }
                    case 4 -> {
                        sourceX = x;
                        sourceY = height - 1 - y;
                    }
                    case 5 -> {
                        sourceX = y;
                        sourceY = x;
                    }
                    case 6 -> {
                        sourceX = y;
                        sourceY = height - 1 - x;
                    }
                    case 7 -> {
                        sourceX = width - 1 - y;
                        sourceY = height - 1 - x;
                    }
                    default -> {
                        sourceX = width - 1 - y;
                        sourceY = x;
                    }
                }
                final int from = (sourceY * width + sourceX) * 3;
                final int to = (y * outputWidth + x) * 3;
                output[to] = source[from];
                output[to + 1] = source[from + 1];
                output[to + 2] = source[from + 2];
            }
        }
        return new RgbImage(outputWidth, outputHeight, output);
    }

    private static long readUnsigned(final byte[] content, final int offset, final int length, final boolean littleEndian) {
        long value = 0;
        for (int i = 0; i < length; i++) {
            final int octet = content[offset + i] & 0xff;
            value = littleEndian ? value | ((long) octet << (8 * i)) : (value << 8) | octet;
        }
        return value;
    }
}

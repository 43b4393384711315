package dev.nificnn.image;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;

/** Encodes RGB images as PNG or JPEG files. Stateless and thread-safe. */
public final class ImageEncoder {

    private ImageEncoder() {
    }

    /** Returns {@code image} as a PNG file. */
    public static byte[] png(final RgbImage image) {
        return write(image, "png", null);
    }

    /** Returns {@code image} as a baseline JPEG file of the given quality (0 to 100). */
    public static byte[] jpeg(final RgbImage image, final int quality) {
        if (quality < 0 || quality > 100) {
            throw new IllegalArgumentException("JPEG quality must be between 0 and 100, not " + quality);
        }
        return write(image, "jpeg", quality / 100f);
    }

    /** Wraps the image in a BufferedImage (blue-green-red bytes, as Java2D expects) without colour conversion. */
    public static BufferedImage toBufferedImage(final RgbImage image) {
        final BufferedImage buffered = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_3BYTE_BGR);
        final byte[] target = ((DataBufferByte) buffered.getRaster().getDataBuffer()).getData();
        final byte[] source = image.pixels();
        for (int i = 0; i < source.length; i += 3) {
            target[i] = source[i + 2];
            target[i + 1] = source[i + 1];
            target[i + 2] = source[i];
        }
        return buffered;
    }

    private static byte[] write(final RgbImage image, final String format, final Float quality) {
        final Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName(format);
        if (!writers.hasNext()) {
            throw new IllegalStateException("No ImageIO writer is installed for " + format);
        }
        final ImageWriter writer = writers.next();
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream(image.pixels().length / 4 + 1024);
        try (ImageOutputStream output = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(output);
            final ImageWriteParam parameters = writer.getDefaultWriteParam();
            if (quality != null) {
                parameters.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                parameters.setCompressionQuality(quality);
            }
            writer.write(null, new IIOImage(toBufferedImage(image), null, null), parameters);
        } catch (final IOException e) {
            throw new UncheckedIOException("Could not encode the image as " + format, e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }
}

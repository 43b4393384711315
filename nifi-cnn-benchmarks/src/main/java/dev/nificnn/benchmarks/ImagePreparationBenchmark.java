package dev.nificnn.benchmarks;

import dev.nificnn.image.ChannelOrder;
import dev.nificnn.image.ImageDecodeException;
import dev.nificnn.image.ImageDecoder;
import dev.nificnn.image.ImageTensorizer;
import dev.nificnn.image.Interpolation;
import dev.nificnn.image.ResizeMode;
import dev.nificnn.image.TensorLayout;
import dev.nificnn.image.TensorSpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Issue 2 point 8: one image to a 224 x 224 normalised CHW float tensor, our path ({@link ImageTensorizer}) against the
 * naive path (ImageIO.read, Graphics2D bilinear drawImage, per-pixel getRGB loop), side by side in one run, one thread.
 * Inputs are made in code: a 32 x 32 PNG and a 500 x 375 JPEG (quality 90) of a synthetic photo-like picture.
 * Sample-time mode reports the median (p0.50) per image, which a busy shared machine disturbs far less than the mean.
 * Run: {@code bench/run ImagePreparation -f 1 -wi 3 -i 5}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ImagePreparationBenchmark {

    /** The tensor size, and ImageNet's normalisation as torchvision applies it (shared with CameraPhotoBenchmark). */
    static final int SIZE = 224;
    static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    static final float[] STD = {0.229f, 0.224f, 0.225f};

    /** png32: a 32 x 32 PNG (CIFAR-sized); jpeg500x375: a 500 x 375 JPEG (a typical web photo). */
    @Param({"png32", "jpeg500x375"})
    public String input;

    private byte[] encoded;
    private ImageTensorizer tensorizer;
    private FloatBuffer tensor;

    @Setup
    public void prepare() throws IOException {
        encoded = switch (input) {
            case "png32" -> png(photo(32, 32));
            case "jpeg500x375" -> jpeg(photo(500, 375), 0.9f);
            default -> throw new IllegalArgumentException("Unknown input " + input);
        };
        tensorizer = new ImageTensorizer(new TensorSpec(SIZE, SIZE, ResizeMode.STRETCH, Interpolation.BILINEAR, TensorLayout.CHW, ChannelOrder.RGB,
                1f / 255f, MEAN, STD), ImageDecoder.DEFAULT_MAX_PIXELS);
        // ONNX Runtime is fed from direct, native-order buffers: write where inference will read.
        tensor = ByteBuffer.allocateDirect(Float.BYTES * 3 * SIZE * SIZE).order(ByteOrder.nativeOrder()).asFloatBuffer();
        System.out.println("JPEG decoding (ours): " + ImageDecoder.jpegDecoderStatus());
    }

    /**
     * Decode (a plain YCbCr JPEG by libjpeg-turbo when available, else by ImageIO as the reader's unconverted raster turned
     * into RGB inside the horizontal resampling pass; other formats by a reused per-thread ImageIO reader), Pillow-compatible
     * antialiased bilinear resize, normalisation straight into the buffer.
     */
    @Benchmark
    public FloatBuffer prepared() throws ImageDecodeException {
        tensor.clear();
        tensorizer.write(encoded, tensor);
        return tensor;
    }

    /** The path most Java code takes: ImageIO.read, Graphics2D bilinear, getRGB per pixel into a float array. */
    @Benchmark
    public float[] naive() throws IOException {
        return naiveTensor(encoded);
    }

    /** ImageIO.read, Graphics2D bilinear to 224 x 224, getRGB per pixel into a normalised CHW float array. */
    static float[] naiveTensor(final byte[] encoded) throws IOException {
        final BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(encoded));
        final BufferedImage resized = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        final Graphics2D graphics = resized.createGraphics();
        graphics.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        graphics.drawImage(decoded, 0, 0, SIZE, SIZE, null);
        graphics.dispose();
        final float[] values = new float[3 * SIZE * SIZE];
        final int plane = SIZE * SIZE;
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                final int rgb = resized.getRGB(x, y);
                final int index = y * SIZE + x;
                values[index] = (((rgb >> 16) & 0xff) / 255f - MEAN[0]) / STD[0];
                values[plane + index] = (((rgb >> 8) & 0xff) / 255f - MEAN[1]) / STD[1];
                values[2 * plane + index] = ((rgb & 0xff) / 255f - MEAN[2]) / STD[2];
            }
        }
        return values;
    }

    /** A deterministic picture with smooth shading, edges and sensor-like noise, so that it compresses like a photo. */
    static BufferedImage photo(final int width, final int height) {
        final BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        final Graphics2D graphics = image.createGraphics();
        graphics.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        for (int y = 0; y < height; y++) {
            graphics.setColor(new Color(90 + 100 * y / height, 140, 220 - 120 * y / height));
            graphics.drawLine(0, y, width, y);
        }
        final Random random = new Random(42);
        for (int i = 0; i < 25; i++) {
            graphics.setColor(new Color(random.nextInt(256), random.nextInt(256), random.nextInt(256)));
            final int x = random.nextInt(width);
            final int y = random.nextInt(height);
            graphics.fillOval(x - width / 10, y - height / 10, 1 + random.nextInt(Math.max(1, width / 4)), 1 + random.nextInt(Math.max(1, height / 4)));
        }
        graphics.dispose();
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                final int rgb = image.getRGB(x, y);
                final int noise = random.nextInt(13) - 6;
                final int red = Math.clamp(((rgb >> 16) & 0xff) + noise, 0, 255);
                final int green = Math.clamp(((rgb >> 8) & 0xff) + noise, 0, 255);
                final int blue = Math.clamp((rgb & 0xff) + random.nextInt(13) - 6, 0, 255);
                image.setRGB(x, y, red << 16 | green << 8 | blue);
            }
        }
        return image;
    }

    static byte[] png(final BufferedImage image) throws IOException {
        final ByteArrayOutputStream output = new ByteArrayOutputStream();
        ImageIO.write(image, "png", output);
        return output.toByteArray();
    }

    static byte[] jpeg(final BufferedImage image, final float quality) throws IOException {
        final ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream output = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(output);
            final ImageWriteParam parameters = writer.getDefaultWriteParam();
            parameters.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            parameters.setCompressionQuality(quality);
            writer.write(null, new IIOImage(image, null, null), parameters);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }
}

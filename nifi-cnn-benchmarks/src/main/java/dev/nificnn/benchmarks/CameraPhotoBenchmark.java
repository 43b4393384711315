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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.concurrent.TimeUnit;

/**
 * A 12-megapixel camera photo (4032 x 3024 JPEG, quality 90, made in code) to a 224 x 224 normalised CHW tensor, one thread:
 * the naive path of {@link ImagePreparationBenchmark}, ours decoding the full size, and ours with JPEG Draft Decoding
 * (libjpeg's DCT scaling to 1/8, as Pillow's draft; different pixels from a full decode, so it is opt-in).
 * Run: {@code bench/run CameraPhoto -f 1}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@Warmup(iterations = 3, time = 4)
@Measurement(iterations = 5, time = 4)
public class CameraPhotoBenchmark {

    private static final int SIZE = ImagePreparationBenchmark.SIZE;

    private byte[] encoded;
    private ImageTensorizer full;
    private ImageTensorizer draft;
    private FloatBuffer tensor;

    @Setup
    public void prepare() throws IOException {
        encoded = ImagePreparationBenchmark.jpeg(ImagePreparationBenchmark.photo(4032, 3024), 0.9f);
        final TensorSpec spec = new TensorSpec(SIZE, SIZE, ResizeMode.STRETCH, Interpolation.BILINEAR, TensorLayout.CHW, ChannelOrder.RGB,
                1f / 255f, ImagePreparationBenchmark.MEAN, ImagePreparationBenchmark.STD);
        full = new ImageTensorizer(spec, ImageDecoder.DEFAULT_MAX_PIXELS, false);
        draft = new ImageTensorizer(spec, ImageDecoder.DEFAULT_MAX_PIXELS, true);
        tensor = ByteBuffer.allocateDirect(Float.BYTES * 3 * SIZE * SIZE).order(ByteOrder.nativeOrder()).asFloatBuffer();
        System.out.println("JPEG decoding (ours): " + ImageDecoder.jpegDecoderStatus() + "; " + encoded.length + " bytes");
    }

    @Benchmark
    public float[] naive() throws IOException {
        return ImagePreparationBenchmark.naiveTensor(encoded);
    }

    @Benchmark
    public FloatBuffer preparedFullSize() throws ImageDecodeException {
        tensor.clear();
        full.write(encoded, tensor);
        return tensor;
    }

    @Benchmark
    public FloatBuffer preparedDraft() throws ImageDecodeException {
        tensor.clear();
        draft.write(encoded, tensor);
        return tensor;
    }
}

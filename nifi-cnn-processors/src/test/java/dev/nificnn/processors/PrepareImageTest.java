package dev.nificnn.processors;

import dev.nificnn.image.ChannelOrder;
import dev.nificnn.image.Interpolation;
import dev.nificnn.image.NpyArray;
import dev.nificnn.image.NpyFormatException;
import dev.nificnn.image.NpyReader;
import dev.nificnn.image.ResizeMode;
import dev.nificnn.image.TensorLayout;
import dev.nificnn.testing.LibjpegTurboRequirement;
import org.apache.nifi.provenance.ProvenanceEventType;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrepareImageTest {

    private TestRunner runner;

    @BeforeEach
    void setRunner() {
        runner = TestRunners.newTestRunner(PrepareImage.class);
    }

    @Test
    void everyBadInputGoesToFailureWithItsReasonAndGoodImagesStillSucceed() throws IOException {
        runner.setProperty(PrepareImage.WIDTH, "32");
        runner.setProperty(PrepareImage.HEIGHT, "24");
        final byte[] jpeg = encode(photo(120, 90), "jpeg");
        final byte[] png = encode(photo(120, 90), "png");
        final byte[] noise = new byte[2048];
        new Random(3).nextBytes(noise);
        noise[0] = 0x42;
        noise[1] = 0x00;
        final Map<String, byte[]> bad = new LinkedHashMap<>();
        bad.put("empty", new byte[0]);
        bad.put("truncated.jpg", Arrays.copyOf(jpeg, jpeg.length / 2));
        bad.put("truncated.png", Arrays.copyOf(png, png.length / 2));
        bad.put("random.bin", noise);
        bad.put("notes.txt", "These are not the pixels you are looking for.\n".getBytes(StandardCharsets.UTF_8));
        bad.put("zero-frames.gif", fixture("decode/zero-frames.gif"));
        bad.put("bomb.png", fixture("decode/bomb-60000x60000.png"));
        bad.put("photo.heic", new byte[] {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c', 0, 0, 0, 0, 'm', 'i', 'f', '1'});
        final Map<String, String> expectedErrors = Map.of(
                "empty", "Content is empty",
                "truncated.jpg", "JPEG content is truncated",
                "truncated.png", "PNG content could not be decoded",
                "random.bin", "not a recognised image format",
                "notes.txt", "Content is text, not an image",
                "zero-frames.gif", "GIF content holds no image frames",
                "bomb.png", "60000 x 60000 = 3600000000 pixels, more than the Maximum Image Pixels limit",
                "photo.heic", "Unsupported image format: content is HEIF/HEIC");
        final List<String> good = List.of("decode/progressive.jpg", "decode/cmyk.jpg", "decode/rgb16.png", "decode/palette.gif", "decode/rgb.bmp",
                "decode/rgb.tiff", "decode/rgb-lossless.webp", "decode/alpha.png", "decode/orientation6.jpg");
        int enqueued = 0;
        // Interleave good and bad so that a failure cannot spoil the images after it.
        final List<String> badNames = List.copyOf(bad.keySet());
        for (int i = 0; i < Math.max(good.size(), badNames.size()); i++) {
            if (i < good.size()) {
                runner.enqueue(fixture(good.get(i)), Map.of("filename", good.get(i)));
                enqueued++;
            }
            if (i < badNames.size()) {
                runner.enqueue(bad.get(badNames.get(i)), Map.of("filename", badNames.get(i)));
                enqueued++;
            }
        }
        runner.run(enqueued);

        final List<MockFlowFile> successes = runner.getFlowFilesForRelationship(PrepareImage.REL_SUCCESS);
        final List<MockFlowFile> failures = runner.getFlowFilesForRelationship(PrepareImage.REL_FAILURE);
        assertEquals(enqueued, successes.size() + failures.size(), "counts in = counts out");
        assertEquals(good.size(), successes.size());
        assertEquals(bad.size(), failures.size());
        for (final MockFlowFile failure : failures) {
            final String name = failure.getAttribute("filename");
            final String error = failure.getAttribute(CnnAttributes.ERROR);
            assertNotNull(error, name);
            assertTrue(error.contains(expectedErrors.get(name)), name + ": " + error);
            failure.assertContentEquals(bad.get(name));
        }
        for (final MockFlowFile success : successes) {
            assertNull(success.getAttribute(CnnAttributes.ERROR));
            final BufferedImage image = ImageIO.read(new ByteArrayInputStream(success.toByteArray()));
            assertEquals(32, image.getWidth());
            assertEquals(24, image.getHeight());
            success.assertAttributeEquals("mime.type", "image/png");
        }
        runner.assertProvenanceEvent(ProvenanceEventType.CONTENT_MODIFIED);
        // Still running: one more image afterwards is prepared normally.
        runner.clearTransferState();
        runner.enqueue(jpeg);
        runner.run();
        runner.assertAllFlowFilesTransferred(PrepareImage.REL_SUCCESS, 1);
    }

    @Test
    void tensorOutputEqualsPillowResizeNormalisedLikeTorchvision() throws IOException, NpyFormatException {
        runner.setProperty(PrepareImage.OUTPUT_FORMAT, PrepareImage.OutputFormat.NPY_TENSOR);
        runner.setProperty(PrepareImage.WIDTH, "80");
        runner.setProperty(PrepareImage.HEIGHT, "61");
        runner.setProperty(PrepareImage.INTERPOLATION, Interpolation.BILINEAR.getValue());
        runner.setProperty(PrepareImage.SCALE, "1/255");
        runner.setProperty(PrepareImage.MEAN, "0.485, 0.456, 0.406");
        runner.setProperty(PrepareImage.STD, "0.229,0.224,0.225");
        runner.enqueue(fixture("sources/photo37x29.png"));
        runner.run();
        runner.assertAllFlowFilesTransferred(PrepareImage.REL_SUCCESS, 1);
        final MockFlowFile tensorFile = runner.getFlowFilesForRelationship(PrepareImage.REL_SUCCESS).getFirst();
        tensorFile.assertAttributeEquals("cnn.tensor.shape", "[3,61,80]");
        tensorFile.assertAttributeEquals("cnn.tensor.type", "float32");
        tensorFile.assertAttributeEquals("cnn.image.original.width", "37");
        tensorFile.assertAttributeEquals("cnn.image.original.height", "29");
        tensorFile.assertAttributeEquals("cnn.image.width", "80");
        tensorFile.assertAttributeEquals("cnn.image.height", "61");
        tensorFile.assertAttributeEquals("cnn.image.format", "png");
        tensorFile.assertAttributeEquals("mime.type", "application/x-npy");
        final NpyArray tensor = NpyReader.read(tensorFile.toByteArray());
        assertArrayEquals(new int[] {3, 61, 80}, tensor.shape());
        // Pillow's bilinear resize of the same source, HWC 0..255, made by make_reference.py.
        final float[] pillow = NpyReader.read(fixture("pillow/photo37x29-80x61-STRETCH-BILINEAR.npy")).data();
        final float[] mean = {0.485f, 0.456f, 0.406f};
        final float[] std = {0.229f, 0.224f, 0.225f};
        final float scale = (float) (1.0 / 255.0);
        for (int channel = 0; channel < 3; channel++) {
            for (int pixel = 0; pixel < 61 * 80; pixel++) {
                final float expected = (pillow[pixel * 3 + channel] * scale - mean[channel]) / std[channel];
                assertEquals(expected, tensor.data()[channel * 61 * 80 + pixel], 1e-6f, "channel " + channel + " pixel " + pixel);
            }
        }
    }

    @Test
    void caffeStyleBgrHwcTensor() throws IOException, NpyFormatException {
        runner.setProperty(PrepareImage.OUTPUT_FORMAT, PrepareImage.OutputFormat.NPY_TENSOR);
        runner.setProperty(PrepareImage.WIDTH, "24");
        runner.setProperty(PrepareImage.HEIGHT, "24");
        runner.setProperty(PrepareImage.RESIZE_MODE, ResizeMode.FIT_PAD.getValue());
        runner.setProperty(PrepareImage.INTERPOLATION, Interpolation.AREA.getValue());
        runner.setProperty(PrepareImage.TENSOR_LAYOUT, TensorLayout.HWC.getValue());
        runner.setProperty(PrepareImage.CHANNEL_ORDER, ChannelOrder.BGR.getValue());
        runner.setProperty(PrepareImage.SCALE, "1");
        runner.setProperty(PrepareImage.MEAN, "104,117,123");
        runner.setProperty(PrepareImage.STD, "1");
        runner.enqueue(fixture("sources/photo64x48.png"));
        runner.run();
        final MockFlowFile tensorFile = runner.getFlowFilesForRelationship(PrepareImage.REL_SUCCESS).getFirst();
        tensorFile.assertAttributeEquals("cnn.tensor.shape", "[24,24,3]");
        final NpyArray tensor = NpyReader.read(tensorFile.toByteArray());
        final float[] pillow = NpyReader.read(fixture("pillow/photo64x48-24x24-FIT_PAD-AREA.npy")).data();
        final float[] mean = {104f, 117f, 123f};
        for (int pixel = 0; pixel < 24 * 24; pixel++) {
            for (int channel = 0; channel < 3; channel++) {
                // Tensor channel 0 is blue, which is sample 2 of the RGB reference.
                assertEquals(pillow[pixel * 3 + 2 - channel] - mean[channel], tensor.data()[pixel * 3 + channel], 0f);
            }
        }
        // Fit and pad: 64x48 becomes 24x18 with 3 black rows above and below; black minus the mean.
        assertEquals(-104f, tensor.data()[0]);
        assertEquals(-123f, tensor.data()[(23 * 24 + 23) * 3 + 2]);
    }

    /**
     * JPEG Draft Decoding: a 530 x 410 JPEG to 64 x 48 is decoded at 1/8 and resized, giving Pillow's draft + resize values
     * (image/draft fixtures) in the tensor and in the PNG output; the original size attributes keep the stored size.
     * Needs libjpeg-turbo (without it the JPEG is decoded at full size and the values differ).
     */
    @Test
    void jpegDraftDecodingEqualsPillowsDraftThenResize() throws IOException, NpyFormatException {
        LibjpegTurboRequirement.require();
        runner.setProperty(PrepareImage.OUTPUT_FORMAT, PrepareImage.OutputFormat.NPY_TENSOR);
        runner.setProperty(PrepareImage.WIDTH, "64");
        runner.setProperty(PrepareImage.HEIGHT, "48");
        runner.setProperty(PrepareImage.TENSOR_LAYOUT, TensorLayout.HWC.getValue());
        runner.setProperty(PrepareImage.SCALE, "1");
        runner.setProperty(PrepareImage.MEAN, "0,0,0");
        runner.setProperty(PrepareImage.STD, "1");
        runner.setProperty(PrepareImage.JPEG_DRAFT_DECODING, "true");
        final byte[] jpeg = fixture("draft/photo530x410.jpg");
        final float[] pillow = NpyReader.read(fixture("draft/photo530x410-64x48-STRETCH-BILINEAR.npy")).data();
        runner.enqueue(jpeg);
        runner.run();
        final MockFlowFile tensorFile = runner.getFlowFilesForRelationship(PrepareImage.REL_SUCCESS).getFirst();
        tensorFile.assertAttributeEquals("cnn.image.original.width", "530");
        tensorFile.assertAttributeEquals("cnn.image.original.height", "410");
        assertArrayEquals(pillow, NpyReader.read(tensorFile.toByteArray()).data(), 0f);

        runner.clearTransferState();
        runner.setProperty(PrepareImage.OUTPUT_FORMAT, PrepareImage.OutputFormat.PNG);
        runner.enqueue(jpeg);
        runner.run();
        final MockFlowFile png = runner.getFlowFilesForRelationship(PrepareImage.REL_SUCCESS).getFirst();
        png.assertAttributeEquals("cnn.image.original.width", "530");
        final BufferedImage image = ImageIO.read(new ByteArrayInputStream(png.toByteArray()));
        for (int y = 0; y < 48; y++) {
            for (int x = 0; x < 64; x++) {
                final int rgb = image.getRGB(x, y);
                final int at = (y * 64 + x) * 3;
                assertEquals((int) pillow[at], rgb >> 16 & 0xff);
                assertEquals((int) pillow[at + 1], rgb >> 8 & 0xff);
                assertEquals((int) pillow[at + 2], rgb & 0xff);
            }
        }
    }

    @Test
    void shorterSideFollowsTorchvisionResizeThenCentreCrop() throws IOException, NpyFormatException {
        runner.setProperty(PrepareImage.OUTPUT_FORMAT, PrepareImage.OutputFormat.NPY_TENSOR);
        runner.setProperty(PrepareImage.WIDTH, "25");
        runner.setProperty(PrepareImage.HEIGHT, "24");
        runner.setProperty(PrepareImage.RESIZE_MODE, ResizeMode.SHORTER_SIDE_CROP.getValue());
        runner.setProperty(PrepareImage.SHORTER_SIDE, "32");
        runner.setProperty(PrepareImage.TENSOR_LAYOUT, TensorLayout.HWC.getValue());
        runner.setProperty(PrepareImage.SCALE, "1");
        runner.setProperty(PrepareImage.MEAN, "0");
        runner.setProperty(PrepareImage.STD, "1");
        runner.enqueue(fixture("sources/photo37x29.png"));
        runner.run();
        runner.assertAllFlowFilesTransferred(PrepareImage.REL_SUCCESS, 1);
        final MockFlowFile tensorFile = runner.getFlowFilesForRelationship(PrepareImage.REL_SUCCESS).getFirst();
        tensorFile.assertAttributeEquals("cnn.tensor.shape", "[24,25,3]");
        // Pillow resize to 40 x 32 (Resize(32)), then CenterCrop((24, 25)) at left round(7.5) = 8, top 4.
        final float[] torchvision = NpyReader.read(fixture("pillow/photo37x29-25x24-SHORTER_SIDE_CROP32-BILINEAR.npy")).data();
        assertArrayEquals(torchvision, NpyReader.read(tensorFile.toByteArray()).data(), 0f);
    }

    @Test
    void shorterSideMustCoverTheCrop() {
        runner.setProperty(PrepareImage.WIDTH, "224");
        runner.setProperty(PrepareImage.HEIGHT, "200");
        runner.setProperty(PrepareImage.RESIZE_MODE, ResizeMode.SHORTER_SIDE_CROP.getValue());
        runner.setProperty(PrepareImage.SHORTER_SIDE, "256");
        runner.assertValid();
        runner.setProperty(PrepareImage.SHORTER_SIDE, "223");
        runner.assertNotValid();
        runner.setProperty(PrepareImage.SHORTER_SIDE, "224");
        runner.assertValid();
        runner.setProperty(PrepareImage.SHORTER_SIDE, "0");
        runner.assertNotValid();
        // Only Shorter Side Crop uses it: with Stretch the property is ignored, not an error.
        runner.setProperty(PrepareImage.SHORTER_SIDE, "100");
        runner.setProperty(PrepareImage.RESIZE_MODE, ResizeMode.STRETCH.getValue());
        runner.assertValid();
    }

    @Test
    void jpegOutputIsTurnedUprightAndSized() throws IOException {
        runner.setProperty(PrepareImage.OUTPUT_FORMAT, PrepareImage.OutputFormat.JPEG);
        runner.setProperty(PrepareImage.JPEG_QUALITY, "80");
        runner.setProperty(PrepareImage.WIDTH, "10");
        runner.setProperty(PrepareImage.HEIGHT, "10");
        runner.setProperty(PrepareImage.RESIZE_MODE, ResizeMode.SHORTER_SIDE_CROP.getValue());
        runner.enqueue(fixture("decode/orientation6.jpg"));
        runner.run();
        final MockFlowFile result = runner.getFlowFilesForRelationship(PrepareImage.REL_SUCCESS).getFirst();
        result.assertAttributeEquals("mime.type", "image/jpeg");
        result.assertAttributeEquals("cnn.image.format", "jpeg");
        // Stored 14 x 20 with orientation 6: upright it is 20 wide and 14 high.
        result.assertAttributeEquals("cnn.image.original.width", "20");
        result.assertAttributeEquals("cnn.image.original.height", "14");
        result.assertAttributeNotExists("cnn.tensor.shape");
        final BufferedImage image = ImageIO.read(new ByteArrayInputStream(result.toByteArray()));
        assertEquals(10, image.getWidth());
        assertEquals(10, image.getHeight());
    }

    @Test
    void validatesNormalisationProperties() {
        runner.setProperty(PrepareImage.OUTPUT_FORMAT, PrepareImage.OutputFormat.NPY_TENSOR);
        runner.assertValid();
        runner.setProperty(PrepareImage.MEAN, "1,2");
        runner.assertNotValid();
        runner.setProperty(PrepareImage.MEAN, "104, 117, 123");
        runner.assertValid();
        runner.setProperty(PrepareImage.STD, "1,0,1");
        runner.assertNotValid();
        runner.setProperty(PrepareImage.STD, "-1");
        runner.assertNotValid();
        runner.setProperty(PrepareImage.STD, "58.4");
        runner.assertValid();
        runner.setProperty(PrepareImage.SCALE, "one");
        runner.assertNotValid();
        runner.setProperty(PrepareImage.SCALE, "1/0");
        runner.assertNotValid();
        runner.setProperty(PrepareImage.SCALE, "0.0039215686");
        runner.assertValid();
        runner.setProperty(PrepareImage.MAXIMUM_IMAGE_PIXELS, "0");
        runner.assertNotValid();
    }

    private static byte[] fixture(final String relativePath) throws IOException {
        try (InputStream input = PrepareImageTest.class.getResourceAsStream("/image/" + relativePath)) {
            assertNotNull(input, relativePath);
            return input.readAllBytes();
        }
    }

    private static BufferedImage photo(final int width, final int height) {
        final BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        final Random random = new Random(11);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, (x * 2) << 16 | (y * 2) << 8 | random.nextInt(256));
            }
        }
        return image;
    }

    private static byte[] encode(final BufferedImage image, final String format) throws IOException {
        final ByteArrayOutputStream output = new ByteArrayOutputStream();
        ImageIO.write(image, format, output);
        return output.toByteArray();
    }
}

package dev.nificnn.processors;

import dev.nificnn.dataset.GeneratedDatasets;
import dev.nificnn.testing.SharedData;
import org.apache.nifi.provenance.ProvenanceEventType;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UnpackImageDatasetTest {

    private static final String FASHION_MNIST_NAMES = "T-shirt/top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle boot";

    @TempDir
    Path folder;

    private TestRunner runner;

    @BeforeEach
    void setUp() {
        runner = TestRunners.newTestRunner(UnpackImageDataset.class);
    }

    @Test
    void splitsACifarBatchIntoRgbPngsWithExactPixelsAndLabels() throws Exception {
        runner.setProperty(UnpackImageDataset.DATASET_FORMAT, DatasetFormat.CIFAR10_BINARY);
        runner.enqueue(GeneratedDatasets.cifarBatch(12), Map.of("filename", "data_batch_1.bin"));

        runner.run();

        runner.assertTransferCount(UnpackImageDataset.REL_SUCCESS, 12);
        runner.assertTransferCount(UnpackImageDataset.REL_ORIGINAL, 1);
        runner.assertTransferCount(UnpackImageDataset.REL_FAILURE, 0);
        final MockFlowFile original = runner.getFlowFilesForRelationship(UnpackImageDataset.REL_ORIGINAL).getFirst();
        original.assertAttributeEquals("cnn.dataset.count", "12");
        final String names = "airplane automobile bird cat deer dog frog horse ship truck";
        final List<MockFlowFile> images = runner.getFlowFilesForRelationship(UnpackImageDataset.REL_SUCCESS);
        for (int index = 0; index < 12; index++) {
            final MockFlowFile image = images.get(index);
            final String labelName = names.split(" ")[index % 10];
            image.assertAttributeEquals("cnn.dataset.label.index", Integer.toString(index % 10));
            image.assertAttributeEquals("cnn.dataset.label", labelName);
            image.assertAttributeEquals("cnn.dataset.index", Integer.toString(index));
            image.assertAttributeEquals("filename", index + "_" + labelName + ".png");
            image.assertAttributeEquals("mime.type", "image/png");
            image.assertAttributeEquals("fragment.index", Integer.toString(index));
            image.assertAttributeEquals("fragment.count", "12");
            image.assertAttributeEquals("fragment.identifier", original.getAttribute("uuid"));
            image.assertAttributeEquals("segment.original.filename", "data_batch_1.bin");
            image.assertAttributeEquals("cnn.image.width", "32");
            image.assertAttributeEquals("cnn.image.height", "32");

            final BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(image.toByteArray()));
            assertEquals(32, decoded.getWidth());
            assertEquals(32, decoded.getHeight());
            assertEquals(3, decoded.getRaster().getNumBands());
            for (int row = 0; row < 32; row++) {
                for (int column = 0; column < 32; column++) {
                    final int rgb = decoded.getRGB(column, row);
                    assertEquals(GeneratedDatasets.cifarRed(index, row, column), (rgb >> 16) & 0xff, "red at " + row + "," + column);
                    assertEquals(GeneratedDatasets.cifarGreen(index, row, column), (rgb >> 8) & 0xff, "green at " + row + "," + column);
                    assertEquals(GeneratedDatasets.cifarBlue(index, row, column), rgb & 0xff, "blue at " + row + "," + column);
                }
            }
        }
        assertEquals(12, runner.getCounterValue("Images unpacked"));
        // NiFi records the parent-child lineage of every image as FORK provenance
        assertEquals(12, runner.getProvenanceEvents().stream()
                .filter(event -> event.getEventType() == ProvenanceEventType.FORK)
                .mapToInt(event -> event.getChildUuids().size()).sum());
    }

    @Test
    void splitsGzipCompressedCifar() {
        runner.enqueue(GeneratedDatasets.gzip(GeneratedDatasets.cifarBatch(3)));

        runner.run();

        runner.assertTransferCount(UnpackImageDataset.REL_SUCCESS, 3);
        runner.assertTransferCount(UnpackImageDataset.REL_ORIGINAL, 1);
        runner.getFlowFilesForRelationship(UnpackImageDataset.REL_SUCCESS).get(2).assertAttributeEquals("filename", "2_bird.png");
    }

    @Test
    void sendsATruncatedCifarBatchToFailureWithoutAnyChildren() throws IOException {
        final byte[] truncated = Arrays.copyOf(GeneratedDatasets.cifarBatch(5), 4 * 3073 + 1000);
        runner.enqueue(truncated);
        runner.enqueue(GeneratedDatasets.cifarBatch(2));

        runner.run(2);

        runner.assertTransferCount(UnpackImageDataset.REL_FAILURE, 1);
        runner.assertTransferCount(UnpackImageDataset.REL_SUCCESS, 2);
        runner.assertTransferCount(UnpackImageDataset.REL_ORIGINAL, 1);
        final MockFlowFile failed = runner.getFlowFilesForRelationship(UnpackImageDataset.REL_FAILURE).getFirst();
        failed.assertContentEquals(truncated);
        failed.assertAttributeEquals("cnn.error", "The CIFAR-10 binary batch is truncated: record 4 has only 1000 of 3073 bytes"
                + " (1 label byte + 3072 pixel bytes); the data holds 4 complete records");
        // the four complete records were unpacked before the truncation showed: none of them may be left behind
        runner.getFlowFilesForRelationship(UnpackImageDataset.REL_SUCCESS).forEach(image -> image.assertAttributeEquals("fragment.count", "2"));
        assertEquals(4, runner.getRemovedCount(), "the four partial children were removed");
    }

    @Test
    void sendsEmptyAndForeignContentToFailure() {
        runner.enqueue(new byte[0]);
        runner.enqueue(GeneratedDatasets.idxImages(1, 28, 28, new byte[784]));

        runner.run(2);

        runner.assertTransferCount(UnpackImageDataset.REL_FAILURE, 2);
        runner.assertTransferCount(UnpackImageDataset.REL_SUCCESS, 0);
        final List<MockFlowFile> failed = runner.getFlowFilesForRelationship(UnpackImageDataset.REL_FAILURE);
        failed.get(0).assertAttributeEquals("cnn.error", "The CIFAR-10 binary batch is empty: it contains no records");
        // an 800-byte IDX file read as CIFAR-10 is shorter than one record
        assertTrue(failed.get(1).getAttribute("cnn.error").startsWith("The CIFAR-10 binary batch is truncated: record 0 has only 800 of 3073 bytes"));
    }

    @Test
    void refusesMoreImagesThanTheMaximum() {
        runner.setProperty(UnpackImageDataset.MAXIMUM_IMAGES, "3");
        runner.enqueue(GeneratedDatasets.cifarBatch(4));

        runner.run();

        runner.assertTransferCount(UnpackImageDataset.REL_FAILURE, 1);
        runner.assertTransferCount(UnpackImageDataset.REL_SUCCESS, 0);
        runner.getFlowFilesForRelationship(UnpackImageDataset.REL_FAILURE).getFirst()
                .assertAttributeEquals("cnn.error", "The CIFAR-10 Binary data holds more than Maximum Images (3) images");
    }

    @Test
    void splitsAnIdxPairWithTheLabelFileFromExpressionLanguage() throws Exception {
        final byte[] pixels = GeneratedDatasets.randomPixels(6, 4, 3, 11);
        final byte[] labels = {5, 0, 9, 9, 12, 1};
        Files.write(folder.resolve("train-labels-idx1-ubyte.gz"), GeneratedDatasets.gzip(GeneratedDatasets.idxLabels(labels)));
        runner.setProperty(UnpackImageDataset.DATASET_FORMAT, DatasetFormat.IDX);
        runner.setProperty(UnpackImageDataset.LABEL_FILE, "${absolute.path}/${filename:replace('-images-idx3-ubyte', '-labels-idx1-ubyte')}");
        runner.setProperty(UnpackImageDataset.CLASS_NAMES, FASHION_MNIST_NAMES);
        runner.enqueue(GeneratedDatasets.idxImages(6, 4, 3, pixels),
                Map.of("filename", "train-images-idx3-ubyte.gz", "absolute.path", folder.toString()));

        runner.run();

        runner.assertTransferCount(UnpackImageDataset.REL_SUCCESS, 6);
        runner.assertTransferCount(UnpackImageDataset.REL_ORIGINAL, 1);
        final List<MockFlowFile> images = runner.getFlowFilesForRelationship(UnpackImageDataset.REL_SUCCESS);
        images.get(0).assertAttributeEquals("cnn.dataset.label", "Sandal");
        images.get(0).assertAttributeEquals("filename", "0_Sandal.png");
        images.get(1).assertAttributeEquals("cnn.dataset.label", "T-shirt/top");
        images.get(1).assertAttributeEquals("filename", "1_T-shirt_top.png");
        images.get(2).assertAttributeEquals("filename", "2_Ankle_boot.png");
        images.get(4).assertAttributeEquals("cnn.dataset.label.index", "12");
        images.get(4).assertAttributeEquals("cnn.dataset.label", "12");
        for (int index = 0; index < 6; index++) {
            images.get(index).assertAttributeEquals("cnn.dataset.label.index", Integer.toString(labels[index]));
            images.get(index).assertAttributeEquals("cnn.dataset.format", "IDX");
            assertGreyPixels(images.get(index), 4, 3, Arrays.copyOfRange(pixels, index * 12, (index + 1) * 12));
        }
    }

    @Test
    void namesIdxLabelsByNumberWhenNoClassNamesAreSet() throws Exception {
        final Path labelFile = Files.write(folder.resolve("labels"), GeneratedDatasets.idxLabels(new byte[] {7, 3}));
        runner.setProperty(UnpackImageDataset.DATASET_FORMAT, DatasetFormat.IDX);
        runner.setProperty(UnpackImageDataset.LABEL_FILE, labelFile.toString());
        runner.enqueue(GeneratedDatasets.idxImages(2, 1, 1, new byte[] {1, 2}));

        runner.run();

        runner.assertTransferCount(UnpackImageDataset.REL_SUCCESS, 2);
        runner.getFlowFilesForRelationship(UnpackImageDataset.REL_SUCCESS).get(0).assertAttributeEquals("filename", "0_7.png");
        runner.getFlowFilesForRelationship(UnpackImageDataset.REL_SUCCESS).get(1).assertAttributeEquals("cnn.dataset.label", "3");
    }

    @Test
    void sendsInconsistentIdxInputToFailureAndKeepsRunning() throws Exception {
        final Path fourLabels = Files.write(folder.resolve("four"), GeneratedDatasets.idxLabels(new byte[4]));
        final Path threeLabels = Files.write(folder.resolve("three"), GeneratedDatasets.idxLabels(new byte[3]));
        runner.setProperty(UnpackImageDataset.DATASET_FORMAT, DatasetFormat.IDX);
        runner.setProperty(UnpackImageDataset.LABEL_FILE, "${labels}");
        final byte[] threeImages = GeneratedDatasets.idxImages(3, 2, 2, new byte[12]);
        runner.enqueue(threeImages, Map.of("labels", fourLabels.toString()));
        runner.enqueue(Arrays.copyOf(threeImages, 16 + 10), Map.of("labels", threeLabels.toString()));
        runner.enqueue(threeImages, Map.of("labels", folder.resolve("missing").toString()));
        runner.enqueue(GeneratedDatasets.cifarBatch(1), Map.of("labels", threeLabels.toString()));
        runner.enqueue(threeImages, Map.of("labels", threeLabels.toString()));

        runner.run(5);

        runner.assertTransferCount(UnpackImageDataset.REL_FAILURE, 4);
        runner.assertTransferCount(UnpackImageDataset.REL_ORIGINAL, 1);
        runner.assertTransferCount(UnpackImageDataset.REL_SUCCESS, 3);
        final List<MockFlowFile> failed = runner.getFlowFilesForRelationship(UnpackImageDataset.REL_FAILURE);
        failed.get(0).assertAttributeEquals("cnn.error", "The IDX image file declares 3 images but the label file declares 4 labels;"
                + " they must be a matching pair");
        failed.get(1).assertAttributeEquals("cnn.error", "The IDX image file is truncated: it declares 3 images of 4 bytes but image 2 has only 2 bytes");
        failed.get(2).assertAttributeEquals("cnn.error", "The IDX label file " + folder.resolve("missing") + " does not exist");
        failed.get(3).assertAttributeEquals("cnn.error", "The IDX image file has data type 0x01 (magic 0x00000102); only unsigned bytes (0x08) are supported");
        assertEquals(2, runner.getRemovedCount(), "the two images read before the truncation were removed");
    }

    @Test
    void refusesAnIdxFileDeclaringMoreImagesThanTheMaximumBeforeReadingIt() throws Exception {
        final Path labels = Files.write(folder.resolve("labels"), GeneratedDatasets.idxLabels(new byte[3]));
        runner.setProperty(UnpackImageDataset.DATASET_FORMAT, DatasetFormat.IDX);
        runner.setProperty(UnpackImageDataset.LABEL_FILE, labels.toString());
        runner.setProperty(UnpackImageDataset.MAXIMUM_IMAGES, "2");
        runner.enqueue(GeneratedDatasets.idxImages(3, 2, 2, new byte[12]));

        runner.run();

        runner.assertTransferCount(UnpackImageDataset.REL_FAILURE, 1);
        runner.getFlowFilesForRelationship(UnpackImageDataset.REL_FAILURE).getFirst()
                .assertAttributeEquals("cnn.error", "The IDX image file declares 3 images, more than Maximum Images (2)");
        assertEquals(0, runner.getRemovedCount());
    }

    @Test
    void labelFileIsRequiredOnlyForIdx() {
        runner.setProperty(UnpackImageDataset.DATASET_FORMAT, DatasetFormat.CIFAR10_BINARY);
        runner.assertValid();
        runner.setProperty(UnpackImageDataset.DATASET_FORMAT, DatasetFormat.IDX);
        runner.assertNotValid();
        runner.setProperty(UnpackImageDataset.LABEL_FILE, "/data/labels.gz");
        runner.assertValid();
    }

    @Test
    void unpacksTheRealFashionMnistTestSet() throws Exception {
        final Path imageFile = SharedData.require("fashion-mnist/t10k-images-idx3-ubyte.gz");
        final Path labelFile = SharedData.require("fashion-mnist/t10k-labels-idx1-ubyte.gz");
        runner.setProperty(UnpackImageDataset.DATASET_FORMAT, DatasetFormat.IDX);
        runner.setProperty(UnpackImageDataset.LABEL_FILE, labelFile.toString());
        runner.setProperty(UnpackImageDataset.CLASS_NAMES, FASHION_MNIST_NAMES);
        runner.enqueue(imageFile, Map.of("filename", imageFile.getFileName().toString()));

        runner.run();

        runner.assertTransferCount(UnpackImageDataset.REL_SUCCESS, 10_000);
        runner.assertTransferCount(UnpackImageDataset.REL_ORIGINAL, 1);
        runner.assertTransferCount(UnpackImageDataset.REL_FAILURE, 0);
        final byte[] rawLabels = gunzip(labelFile);
        final byte[] rawImages = gunzip(imageFile);
        final List<MockFlowFile> images = runner.getFlowFilesForRelationship(UnpackImageDataset.REL_SUCCESS);
        final String[] names = FASHION_MNIST_NAMES.split(",");
        for (int index = 0; index < images.size(); index++) {
            final int label = rawLabels[8 + index];
            images.get(index).assertAttributeEquals("cnn.dataset.index", Integer.toString(index));
            images.get(index).assertAttributeEquals("cnn.dataset.label.index", Integer.toString(label));
            images.get(index).assertAttributeEquals("cnn.dataset.label", names[label]);
        }
        images.get(0).assertAttributeEquals("filename", "0_Ankle_boot.png");
        for (final int index : new int[] {0, 1, 4321, 9999}) {
            assertGreyPixels(images.get(index), 28, 28, Arrays.copyOfRange(rawImages, 16 + index * 784, 16 + (index + 1) * 784));
        }
    }

    private static void assertGreyPixels(final MockFlowFile image, final int height, final int width, final byte[] expected) throws IOException {
        final BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(image.toByteArray()));
        assertNotNull(decoded, "PNG decodes");
        assertEquals(width, decoded.getWidth());
        assertEquals(height, decoded.getHeight());
        final Raster raster = decoded.getRaster();
        assertEquals(1, raster.getNumBands(), "grey PNG");
        for (int row = 0; row < height; row++) {
            for (int column = 0; column < width; column++) {
                assertEquals(Byte.toUnsignedInt(expected[row * width + column]), raster.getSample(column, row, 0), "pixel " + row + "," + column);
            }
        }
    }

    private static byte[] gunzip(final Path file) throws IOException {
        try (InputStream input = new GZIPInputStream(Files.newInputStream(file))) {
            return input.readAllBytes();
        }
    }
}

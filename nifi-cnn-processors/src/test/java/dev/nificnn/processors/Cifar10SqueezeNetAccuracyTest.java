package dev.nificnn.processors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nificnn.onnx.FeaturePooling;
import dev.nificnn.testing.JsonScoringRunner;
import dev.nificnn.testing.SharedData;
import org.apache.nifi.json.JsonRecordSetWriter;
import org.apache.nifi.json.JsonTreeReader;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Accuracy on real data through the real processors: CIFAR-10 JPEGs -> ExtractImageFeatures (SqueezeNet 1.1, fire9, global average
 * pooled, 512-d) -> TrainImageClassifier -> ScoreImageClassifier on 1,000 held-out images per class of the training folders.
 * <p>
 * Per class the images with the lowest file numbers are the test set; the next ones (2,000 per class by default, system property
 * {@code nificnn.cifar10.trainPerClass} up to 4,000) are the training set, of which TrainImageClassifier holds out 10% for validation.
 */
class Cifar10SqueezeNetAccuracyTest {

    private static final int TEST_PER_CLASS = 1_000;
    private static final int TRAIN_PER_CLASS = Integer.getInteger("nificnn.cifar10.trainPerClass", 2_000);
    private static final int EXTRACTION_BATCH = 32;

    @Test
    void squeezeNetFeaturesGiveAtLeastSeventyFourPercentOnHeldOutImages(@TempDir final Path directory) throws Exception {
        final Map<String, List<byte[]>> imagesByClass = readImages(SharedData.require("cifar10/cifar10-train-jpg.tar.gz"));
        assertEquals(10, imagesByClass.size());

        final List<Image> training = new ArrayList<>();
        final List<Image> test = new ArrayList<>();
        for (final Map.Entry<String, List<byte[]>> entry : imagesByClass.entrySet()) {
            final List<byte[]> images = entry.getValue();
            assertEquals(5_000, images.size(), entry.getKey());
            for (int index = 0; index < TEST_PER_CLASS + TRAIN_PER_CLASS; index++) {
                (index < TEST_PER_CLASS ? test : training).add(new Image(entry.getKey(), index, images.get(index)));
            }
        }
        imagesByClass.clear();

        final long extractionStarted = System.nanoTime();
        final String trainingRecords = extractFeatures(training);
        final String testRecords = extractFeatures(test);
        final long extractionSeconds = (System.nanoTime() - extractionStarted) / 1_000_000_000;

        final TestRunner trainer = TestRunners.newTestRunner(TrainImageClassifier.class);
        final JsonTreeReader trainingReader = new JsonTreeReader();
        trainer.addControllerService("reader", trainingReader);
        trainer.enableControllerService(trainingReader);
        trainer.setProperty(TrainImageClassifier.RECORD_READER, "reader");
        trainer.setProperty(TrainImageClassifier.MAXIMUM_EPOCHS, "30");
        trainer.enqueue(trainingRecords, Map.of("filename", "cifar10-train.json"));
        final long trainingStarted = System.nanoTime();
        trainer.run();
        final long trainingSeconds = (System.nanoTime() - trainingStarted) / 1_000_000_000;
        trainer.assertTransferCount(TrainImageClassifier.REL_MODEL, 1);
        final MockFlowFile model = trainer.getFlowFilesForRelationship(TrainImageClassifier.REL_MODEL).getFirst();
        final Path artifact = directory.resolve("cifar10.classifier.zip");
        Files.write(artifact, model.toByteArray());

        final TestRunner scorer = JsonScoringRunner.create(artifact);
        scorer.enqueue(testRecords);
        scorer.run();
        scorer.assertAllFlowFilesTransferred(ScoreImageClassifier.REL_SUCCESS, 1);

        final JsonNode scored = new ObjectMapper().readTree(scorer.getFlowFilesForRelationship(ScoreImageClassifier.REL_SUCCESS).getFirst().getContent());
        assertEquals(10 * TEST_PER_CLASS, scored.size());
        int correct = 0;
        for (final JsonNode record : scored) {
            if (record.get("label").asText().equals(record.get("predicted_label").asText())) {
                correct++;
            }
        }
        final double accuracy = correct / (double) scored.size();
        System.out.printf("CIFAR-10 SqueezeNet fire9 features: %d training images, %s selected (validation accuracy %s), held-out accuracy %.4f;"
                        + " extraction %d s, training %d s%n", training.size(), model.getAttribute("cnn.model.selected"),
                model.getAttribute("cnn.accuracy"), accuracy, extractionSeconds, trainingSeconds);
        assertTrue(accuracy >= 0.74, "held-out accuracy " + accuracy);
    }

    private record Image(String label, int index, byte[] jpeg) {
    }

    /** Runs ExtractImageFeatures over the images and returns all feature records as one JSON array. */
    private static String extractFeatures(final List<Image> images) throws Exception {
        final TestRunner extractor = TestRunners.newTestRunner(ExtractImageFeatures.class);
        ClassifyImageTest.addSqueezeNet(extractor, "squeezenet1.1-fp32.json");
        final JsonRecordSetWriter writer = new JsonRecordSetWriter();
        extractor.addControllerService("writer", writer);
        extractor.enableControllerService(writer);
        extractor.setProperty(ExtractImageFeatures.MODEL_SERVICE, "model");
        extractor.setProperty(ExtractImageFeatures.RECORD_WRITER, "writer");
        extractor.setProperty(ExtractImageFeatures.LAYER, "fire9");
        extractor.setProperty(ExtractImageFeatures.POOLING, FeaturePooling.GLOBAL_AVERAGE.getValue());
        extractor.setProperty(ExtractImageFeatures.LABEL, "${cifar.class}");
        extractor.setProperty(ExtractImageFeatures.BATCH_SIZE, Integer.toString(EXTRACTION_BATCH));
        final StringBuilder records = new StringBuilder(images.size() * 6_000).append('[');
        for (int start = 0; start < images.size(); start += 1_024) {
            final int end = Math.min(images.size(), start + 1_024);
            for (final Image image : images.subList(start, end)) {
                extractor.enqueue(image.jpeg(), Map.of("filename", image.label() + "-" + image.index() + ".jpg", "cifar.class", image.label()));
            }
            extractor.run((end - start + EXTRACTION_BATCH - 1) / EXTRACTION_BATCH);
            extractor.assertTransferCount(ExtractImageFeatures.REL_FAILURE, 0);
            for (final MockFlowFile output : extractor.getFlowFilesForRelationship(ExtractImageFeatures.REL_SUCCESS)) {
                final String array = output.getContent().trim();
                final String inner = array.substring(1, array.length() - 1).trim();
                if (!inner.isEmpty()) {
                    if (records.length() > 1) {
                        records.append(',');
                    }
                    records.append(inner);
                }
            }
            extractor.clearTransferState();
        }
        return records.append(']').toString();
    }

    /** Reads train/&lt;class&gt;/NNNN.jpg entries of the (gzipped, ustar) archive, ordered by file name within each class. */
    private static Map<String, List<byte[]>> readImages(final Path archive) throws IOException {
        final Map<String, TreeMap<String, byte[]>> byClass = new TreeMap<>();
        try (InputStream input = new BufferedInputStream(new GZIPInputStream(Files.newInputStream(archive), 1 << 16), 1 << 16)) {
            final byte[] header = new byte[512];
            while (input.readNBytes(header, 0, 512) == 512) {
                final String name = text(header, 0, 100);
                if (name.isEmpty()) {
                    break;
                }
                final String prefix = text(header, 345, 155);
                final String path = prefix.isEmpty() ? name : prefix + "/" + name;
                final long size = Long.parseLong(text(header, 124, 12).trim(), 8);
                final byte type = header[156];
                final byte[] content = input.readNBytes((int) size);
                input.skipNBytes((512 - size % 512) % 512);
                final String[] parts = path.split("/");
                if ((type == '0' || type == 0) && path.endsWith(".jpg") && parts.length >= 3 && parts[parts.length - 3].equals("train")) {
                    byClass.computeIfAbsent(parts[parts.length - 2], key -> new TreeMap<>()).put(parts[parts.length - 1], content);
                }
            }
        }
        final Map<String, List<byte[]>> result = new TreeMap<>();
        byClass.forEach((label, files) -> result.put(label, new ArrayList<>(files.values())));
        return result;
    }

    private static String text(final byte[] header, final int offset, final int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, StandardCharsets.US_ASCII);
    }
}

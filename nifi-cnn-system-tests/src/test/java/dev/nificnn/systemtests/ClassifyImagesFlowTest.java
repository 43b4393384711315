package dev.nificnn.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nificnn.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** templates/classify-images.json imported into the real NiFi and run over CIFAR-10 images, a real photo and corrupt files with SqueezeNet 1.1. */
class ClassifyImagesFlowTest {

    @RegisterExtension
    static final RunningNiFi NIFI = new RunningNiFi();

    private static final int IMAGES_PER_CLASS = 5;

    @Test
    void everyImageIsClassifiedIntoALabelFolderOrFailsWithAReason() throws Exception {
        final Path cifar = SharedData.require("cifar10/cifar10-train-jpg.tar.gz");
        final Path kitten = SharedData.require("test-images/kitten_224.png");
        final Path modelDirectory = SharedData.require("models/squeezenet1.1-fp32.onnx").getParent();
        final Path work = NIFI.targetDirectory().resolve("classify-flow");
        NiFiAssembly.deleteRecursively(work);
        final Path input = Files.createDirectories(work.resolve("input"));
        final Path output = work.resolve("output");
        final Path failed = work.resolve("failed");

        final int good = ImageFolderExtractor.extract(cifar, input, 0, IMAGES_PER_CLASS) + 1;
        Files.copy(kitten, input.resolve("kitten.png"));
        final Map<String, byte[]> corrupt = new LinkedHashMap<>();
        final byte[] kittenBytes = Files.readAllBytes(kitten);
        corrupt.put("truncated.png", Arrays.copyOf(kittenBytes, 200));
        corrupt.put("not-an-image.jpg", "this is text, not a picture".getBytes());
        corrupt.put("empty.jpg", new byte[0]);
        for (final Map.Entry<String, byte[]> file : corrupt.entrySet()) {
            Files.write(input.resolve(file.getKey()), file.getValue());
        }
        final int inputs = good + corrupt.size();

        final NiFiRestClient client = NIFI.client();
        final String group = client.uploadFlowDefinition(client.rootGroupId(), "classify-images",
                TemplatesFolder.flowDefinition(FlowTemplates.CLASSIFY_IMAGES), 0, 0);
        client.setParameters(group, Map.of(
                "input.directory", input.toString(),
                "output.directory", output.toString(),
                "failure.directory", failed.toString(),
                "model.manifest", TemplatesFolder.repositoryRoot().resolve("models/squeezenet1.1-shared.json").toString(),
                "model.directory", modelDirectory.toString(),
                "execution.provider", "CPU",
                "batch.size", "8",
                "score.threshold", "0.3"));
        client.enableControllerServices(group);
        assertEquals(List.of(), client.validationErrors(group));
        client.startGroup(group);

        final long written = FlowRun.awaitCount(client, group,
                () -> FlowRun.files(output) + FlowRun.files(failed.resolve("reasons")), inputs, Duration.ofMinutes(4));
        client.stopGroup(group);
        client.disableControllerServices(group);

        assertEquals(inputs, written);
        assertEquals(good, FlowRun.files(output));
        assertEquals(0, client.groupStatus(group).path("flowFilesQueued").asInt());
        assertTrue(Files.exists(output.resolve("tabby").resolve("kitten.png")), "the kitten photo is classified as tabby");

        final List<Path> reasons = FlowRun.listFiles(failed.resolve("reasons"));
        assertEquals(corrupt.size(), reasons.size());
        for (final Path reason : reasons) {
            final JsonNode attributes = client.mapper().readTree(Files.readAllBytes(reason));
            assertFalse(attributes.path("cnn.error").asText().isBlank(), "cnn.error of " + reason);
            assertTrue(corrupt.containsKey(attributes.path("filename").asText()));
            assertTrue(Files.exists(failed.resolve(attributes.path("filename").asText())), "the failed input itself is kept");
        }
        assertJpegDecoderLogged();
    }

    /**
     * ClassifyImage logs which JPEG decoder it got when scheduled. Inside NiFi the libjpeg-turbo binding comes from the
     * NAR's multi-release jar (META-INF/versions/22), which only a real NiFi class loader shows; .ci/run requires it.
     */
    private static void assertJpegDecoderLogged() throws IOException {
        final String log = Files.readString(NIFI.assembly().home().resolve("logs/nifi-app.log"));
        final int at = log.indexOf("JPEG decoding: ");
        assertTrue(at >= 0, "ClassifyImage logs its JPEG decoder when scheduled");
        final String line = log.substring(at, log.indexOf('\n', at) < 0 ? log.length() : log.indexOf('\n', at));
        System.out.println("NiFi says: " + line);
        if (Boolean.parseBoolean(System.getenv("NIFICNN_REQUIRE_LIBJPEG_TURBO"))) {
            assertTrue(line.startsWith("JPEG decoding: libjpeg-turbo ("), line);
        }
    }
}

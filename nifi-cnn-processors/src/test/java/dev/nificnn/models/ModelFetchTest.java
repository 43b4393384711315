package dev.nificnn.models;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs models/fetch against a local HTTP server on 127.0.0.1 serving generated files.
 */
class ModelFetchTest {

    private static final Path FETCH_SCRIPT = Path.of("..", "models", "fetch").toAbsolutePath().normalize();

    @TempDir
    Path folder;

    private HttpServer server;
    private final Map<String, byte[]> served = new ConcurrentHashMap<>();
    private final AtomicInteger requests = new AtomicInteger();
    private byte[] model;
    private byte[] labels;

    @BeforeEach
    void startServer() throws IOException {
        model = new byte[200_000];
        new Random(42).nextBytes(model);
        labels = "tench\ngoldfish\ngreat white shark".getBytes(StandardCharsets.UTF_8);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            final byte[] body = served.get(exchange.getRequestURI().getPath());
            if (body == null) {
                exchange.sendResponseHeaders(404, -1);
            } else {
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream output = exchange.getResponseBody()) {
                    output.write(body);
                }
            }
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    @Test
    void downloadsAVerifiedModelAndItsLabels() throws Exception {
        served.put("/zoo/tiny.onnx", model);
        served.put("/labels/classes.txt", labels);
        final Path manifest = manifest(sha256(model), model.length, "/zoo/tiny.onnx", sha256(labels));
        final Path target = folder.resolve("downloaded");

        final FetchResult result = fetch(Map.of(), manifest.toString(), target.toString());

        assertEquals(0, result.exitCode(), result.output());
        assertArrayEquals(model, Files.readAllBytes(target.resolve("tiny.onnx")));
        assertArrayEquals(labels, Files.readAllBytes(target.resolve("classes.txt")));
        assertTrue(result.output().contains("tiny.onnx: verified (sha256 " + sha256(model)), result.output());
        assertEquals(List.of("classes.txt", "tiny.onnx"), listing(target));
        assertEquals(2, requests.get());

        // a second run finds both files verified and downloads nothing
        final FetchResult again = fetch(Map.of(), manifest.toString(), target.toString());
        assertEquals(0, again.exitCode(), again.output());
        assertTrue(again.output().contains("tiny.onnx: already present and verified"), again.output());
        assertEquals(2, requests.get());
    }

    @Test
    void deletesADownloadWhoseSha256DoesNotMatch() throws Exception {
        final byte[] tampered = model.clone();
        tampered[12_345] ^= 1;
        served.put("/zoo/tiny.onnx", tampered);
        served.put("/labels/classes.txt", labels);
        final Path manifest = manifest(sha256(model), model.length, "/zoo/tiny.onnx", sha256(labels));
        final Path target = folder.resolve("downloaded");

        final FetchResult result = fetch(Map.of(), manifest.toString(), target.toString());

        assertNotEquals(0, result.exitCode());
        assertTrue(result.output().contains("fetch: sha256 mismatch for tiny.onnx: expected " + sha256(model) + " but the download from http://"),
                result.output());
        assertTrue(result.output().contains("has " + sha256(tampered) + "; the download was deleted"), result.output());
        assertEquals(List.of(), listing(target), "neither the model nor a partial file is left behind");
    }

    @Test
    void replacesAPresentFileThatDoesNotMatch() throws Exception {
        served.put("/zoo/tiny.onnx", model);
        served.put("/labels/classes.txt", labels);
        final Path target = Files.createDirectories(folder.resolve("downloaded"));
        Files.write(target.resolve("tiny.onnx"), new byte[] {1, 2, 3});

        final FetchResult result = fetch(Map.of(), manifest(sha256(model), model.length, "/zoo/tiny.onnx", sha256(labels)).toString(), target.toString());

        assertEquals(0, result.exitCode(), result.output());
        assertArrayEquals(model, Files.readAllBytes(target.resolve("tiny.onnx")));
    }

    @Test
    void refusesADownloadOfTheWrongSize() throws Exception {
        served.put("/zoo/tiny.onnx", model);
        served.put("/labels/classes.txt", labels);
        final Path target = folder.resolve("downloaded");

        final FetchResult result = fetch(Map.of(), manifest(sha256(model), model.length + 1, "/zoo/tiny.onnx", sha256(labels)).toString(), target.toString());

        assertNotEquals(0, result.exitCode());
        assertTrue(result.output().contains("fetch: size mismatch for tiny.onnx: the manifest says " + (model.length + 1) + " bytes but"),
                result.output());
        assertEquals(List.of(), listing(target));
    }

    @Test
    void theBaseUrlEnvironmentVariableOverridesTheManifestUrl() throws Exception {
        served.put("/mirror/tiny.onnx", model);
        served.put("/mirror/classes.txt", labels);
        // the manifest points at paths the server does not serve: only the mirror can satisfy the download
        final Path manifest = manifest(sha256(model), model.length, "/nowhere/tiny.onnx", sha256(labels));
        final Path target = folder.resolve("downloaded");

        final FetchResult result = fetch(Map.of("NIFICNN_MODELS_BASE_URL", baseUrl() + "/mirror/"), manifest.toString(), target.toString());

        assertEquals(0, result.exitCode(), result.output());
        assertArrayEquals(model, Files.readAllBytes(target.resolve("tiny.onnx")));
        assertArrayEquals(labels, Files.readAllBytes(target.resolve("classes.txt")));
    }

    @Test
    void reportsAMissingFileOnTheServer() throws Exception {
        final Path target = folder.resolve("downloaded");

        final FetchResult result = fetch(Map.of(), manifest(sha256(model), model.length, "/zoo/absent.onnx", sha256(labels)).toString(), target.toString());

        assertNotEquals(0, result.exitCode());
        assertTrue(result.output().contains("fetch: downloading " + baseUrl() + "/zoo/absent.onnx failed"), result.output());
        assertEquals(List.of(), listing(target));
    }

    @Test
    void refusesAManifestWithoutADownloadUrlOrChecksum() throws Exception {
        final Path noUrl = Files.writeString(folder.resolve("local.json"), """
                { "name": "local", "file": "local.onnx", "sha256": "%s", "size": 3 }
                """.formatted(sha256(new byte[] {1, 2, 3})));
        final Path noChecksum = Files.writeString(folder.resolve("unverifiable.json"), """
                { "name": "unverifiable", "file": "x.onnx", "url": "%s/zoo/x.onnx" }
                """.formatted(baseUrl()));

        final FetchResult withoutUrl = fetch(Map.of(), noUrl.toString(), folder.resolve("a").toString());
        final FetchResult withoutChecksum = fetch(Map.of(), noChecksum.toString(), folder.resolve("b").toString());

        assertNotEquals(0, withoutUrl.exitCode());
        assertTrue(withoutUrl.output().contains("the manifest gives no download url for local.onnx"), withoutUrl.output());
        assertNotEquals(0, withoutChecksum.exitCode());
        assertTrue(withoutChecksum.output().contains("the manifest gives no sha256 for x.onnx: refusing to download what cannot be verified"),
                withoutChecksum.output());
        assertEquals(0, requests.get());
    }

    @Test
    void listsTheProjectManifests() throws Exception {
        final FetchResult result = fetch(Map.of(), "--list");

        assertEquals(0, result.exitCode(), result.output());
        for (final String name : List.of("bvlcalexnet-12", "squeezenet1.1-7", "squeezenet1.1-shared", "mobilenetv2-12", "resnet50-v2-7")) {
            assertTrue(result.output().lines().anyMatch(line -> line.startsWith(name + " ")), name + " in " + result.output());
        }
        assertFalse(result.output().contains("fetch:"), result.output());
    }

    @Test
    void shortNameAlexnetFetchesTheModelZooAlexNet() throws Exception {
        // The local server has no such file: the request it refuses shows which manifest the short name chose.
        final Path target = folder.resolve("alexnet-target");
        final FetchResult result = fetch(Map.of("NIFICNN_MODELS_BASE_URL", baseUrl() + "/missing"), "alexnet", target.toString());

        assertNotEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("bvlcalexnet-12.onnx"), result.output());
        assertFalse(Files.exists(target.resolve("bvlcalexnet-12.onnx")), "nothing unverified is kept");
    }

    private Path manifest(final String modelSha256, final long modelSize, final String modelPath, final String labelsSha256) throws IOException {
        // a manifest in the same layout as the project's, including nested "name" keys that the script must not confuse
        final String json = """
                {
                  "name": "tiny",
                  "description": "generated for the fetch test",
                  "file": "tiny.onnx",
                  "sha256": "%s",
                  "size": %d,
                  "url": "%s%s",
                  "licence": "MIT",
                  "input": { "name": "data_0", "elementType": "float32", "layout": "NCHW", "width": 2, "height": 2,
                             "channelOrder": "RGB", "scale": 1.0, "mean": [0, 0, 0], "std": [1, 1, 1] },
                  "output": { "name": "out", "kind": "logits" },
                  "labels": "classes.txt",
                  "labelsUrl": "%s/labels/classes.txt",
                  "labelsSha256": "%s",
                  "labelsSize": %d,
                  "taps": {}
                }
                """.formatted(modelSha256, modelSize, baseUrl(), modelPath, baseUrl(), labelsSha256, labels.length);
        return Files.writeString(folder.resolve("tiny.json"), json);
    }

    private String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private static FetchResult fetch(final Map<String, String> environment, final String... arguments) throws IOException, InterruptedException {
        final List<String> command = new ArrayList<>(List.of("bash", FETCH_SCRIPT.toString()));
        command.addAll(List.of(arguments));
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("NIFICNN_MODELS_BASE_URL");
        builder.environment().remove("CURL_OPTIONS");
        // the local server must never be reached through a proxy
        builder.environment().put("NO_PROXY", "127.0.0.1,localhost");
        builder.environment().put("no_proxy", "127.0.0.1,localhost");
        builder.environment().putAll(environment);
        final Process process = builder.start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "models/fetch finished");
        return new FetchResult(process.exitValue(), output);
    }

    private static List<String> listing(final Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(file -> file.getFileName().toString()).sorted().toList();
        }
    }

    private static String sha256(final byte[] content) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    }

    private record FetchResult(int exitCode, String output) {
    }
}

package dev.nificnn.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Imports templates/train-image-classifier.json and templates/score-images.json into a running NiFi and runs them: train on
 * a class-per-folder image tree, then score a held-out tree with the trained classifier, and sum up what came out.
 */
public final class TransferLearningRun {

    /** What a run produced. */
    public record Result(Path classifierArtifact, Path evaluationReport, Path confusionMatrix, long trainingImages, long trainingFailures,
                         long scoredImages, long scoringFailures, long correctPredictions, double trainSeconds, double scoreSeconds,
                         Map<String, double[]> trainStages, Map<String, double[]> scoreStages) {

        public double heldOutAccuracy() {
            return scoredImages == 0 ? Double.NaN : (double) correctPredictions / scoredImages;
        }
    }

    /** Where the model comes from: manifest, model folder, layer to tap and how to pool it. */
    public record FeatureModel(Path manifest, Path modelDirectory, String layer, String pooling) {
    }

    private final NiFiRestClient client;
    private final Path templates;
    private final Consumer<String> progress;
    private final ObjectMapper mapper = new ObjectMapper();

    public TransferLearningRun(final NiFiRestClient client, final Path templates, final Consumer<String> progress) {
        this.client = client;
        this.templates = templates;
        this.progress = progress;
    }

    /**
     * @param trainingInputs files in the training tree
     * @param trainingRecords feature records to gather before training (the images expected to decode); when fewer arrive,
     *                        training starts after the flow's training.max.wait
     */
    public Result run(final FeatureModel model, final Path trainingImages, final long trainingInputs, final long trainingRecords,
                      final Path heldOutImages, final long heldOutInputs, final Path work, final Duration timeout)
            throws IOException, InterruptedException {
        final Path classifierFolder = work.resolve("classifier");
        final Path trainFailures = work.resolve("train-failed");
        final Path predictions = work.resolve("predictions");
        final Path scoreFailures = work.resolve("score-failed");
        final String root = client.rootGroupId();

        progress.accept("Importing " + templates.resolve("train-image-classifier.json"));
        final String trainGroup = client.uploadFlowDefinition(root, "train-image-classifier", templates.resolve("train-image-classifier.json"), 0, 0);
        final Map<String, String> trainParameters = new LinkedHashMap<>(modelParameters(model));
        trainParameters.put("dataset.directory", trainingImages.toString());
        trainParameters.put("classifier.output.directory", classifierFolder.toString());
        trainParameters.put("failure.directory", trainFailures.toString());
        trainParameters.put("training.records", Long.toString(trainingRecords));
        trainParameters.put("training.max.wait", "30 sec");
        client.setParameters(trainGroup, trainParameters);
        client.enableControllerServices(trainGroup);
        requireValid(trainGroup);
        progress.accept("Training flow started over " + trainingInputs + " files in " + trainingImages);
        final long trainStart = System.nanoTime();
        client.startGroup(trainGroup);
        final FlowProgress trainProgress = new FlowProgress(client, trainGroup);
        trainProgress.await(() -> countSafely(classifierFolder, ".classifier.zip") + countSafely(classifierFolder, ".evaluation.json")
                + countSafely(classifierFolder, ".png"), 3, timeout, progress);
        final double trainSeconds = (System.nanoTime() - trainStart) / 1e9;
        final Map<String, double[]> trainStages = trainProgress.processorFigures();
        client.stopGroup(trainGroup);
        final Path artifact = FlowProgress.files(classifierFolder, ".classifier.zip").getFirst();
        final Path report = FlowProgress.files(classifierFolder, ".evaluation.json").getFirst();
        final Path picture = FlowProgress.files(classifierFolder, ".png").getFirst();
        final long trainFailed = FlowProgress.files(trainFailures.resolve("reasons"));

        progress.accept("Importing " + templates.resolve("score-images.json"));
        final String scoreGroup = client.uploadFlowDefinition(root, "score-images", templates.resolve("score-images.json"), 0, 400);
        final Map<String, String> scoreParameters = new LinkedHashMap<>(modelParameters(model));
        scoreParameters.put("input.directory", heldOutImages.toString());
        scoreParameters.put("predictions.directory", predictions.toString());
        scoreParameters.put("failure.directory", scoreFailures.toString());
        scoreParameters.put("classifier.model", artifact.toString());
        client.setParameters(scoreGroup, scoreParameters);
        client.enableControllerServices(scoreGroup);
        requireValid(scoreGroup);
        progress.accept("Scoring flow started over " + heldOutInputs + " held-out files in " + heldOutImages);
        final long scoreStart = System.nanoTime();
        client.startGroup(scoreGroup);
        final FlowProgress scoreProgress = new FlowProgress(client, scoreGroup);
        scoreProgress.await(() -> countPredictions(predictions) + FlowProgress.files(scoreFailures.resolve("reasons")), heldOutInputs, timeout, progress);
        final double scoreSeconds = (System.nanoTime() - scoreStart) / 1e9;
        final Map<String, double[]> scoreStages = scoreProgress.processorFigures();
        client.stopGroup(scoreGroup);

        long scored = 0;
        long correct = 0;
        for (final JsonNode record : predictionRecords(predictions)) {
            scored++;
            if (record.path("label").asText().equals(record.path("predicted_label").asText())) {
                correct++;
            }
        }
        return new Result(artifact, report, picture, trainingInputs - trainFailed, trainFailed, scored,
                FlowProgress.files(scoreFailures.resolve("reasons")), correct, trainSeconds, scoreSeconds, trainStages, scoreStages);
    }

    /** Every prediction record written by the score flow (JSON arrays of records, one file per batch). */
    public List<JsonNode> predictionRecords(final Path predictions) throws IOException {
        final List<JsonNode> records = new java.util.ArrayList<>();
        if (!Files.isDirectory(predictions)) {
            return records;
        }
        try (var files = Files.walk(predictions)) {
            for (final Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                final JsonNode content = mapper.readTree(Files.readAllBytes(file));
                if (content.isArray()) {
                    content.forEach(records::add);
                } else if (content.isObject()) {
                    records.add(content);
                }
            }
        }
        return records;
    }

    private long countPredictions(final Path predictions) {
        try {
            return predictionRecords(predictions).size();
        } catch (final IOException e) {
            // a batch file still being written is read again at the next poll
            return 0;
        }
    }

    private static long countSafely(final Path folder, final String suffix) {
        try {
            return FlowProgress.files(folder, suffix).size();
        } catch (final IOException e) {
            return 0;
        }
    }

    private static Map<String, String> modelParameters(final FeatureModel model) {
        final Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("model.manifest", model.manifest().toString());
        parameters.put("model.directory", model.modelDirectory().toString());
        parameters.put("feature.layer", model.layer());
        parameters.put("feature.pooling", model.pooling());
        parameters.put("execution.provider", "AUTO");
        return parameters;
    }

    private void requireValid(final String groupId) throws IOException {
        final List<String> errors = client.validationErrors(groupId);
        if (!errors.isEmpty()) {
            throw new IOException("Invalid components after import: " + errors);
        }
    }
}

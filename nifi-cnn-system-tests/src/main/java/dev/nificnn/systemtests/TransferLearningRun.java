package dev.nificnn.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nificnn.classifier.ClassificationReport;
import dev.nificnn.classifier.ConfusionMatrixRenderer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * Imports templates/train-image-classifier.json and templates/score-images.json into a running NiFi and runs them: train on
 * a class-per-folder image tree, then score a held-out tree with the trained classifier, evaluate the predictions against the
 * folder labels, and sum up what came out.
 */
public final class TransferLearningRun {

    /** The training run's outcome, read from its artifact's report, its failure folder and NiFi's counters. */
    public record Training(Path classifierArtifact, Path evaluationReport, Path confusionMatrix, Path failureReport, String failureReason,
                           long records, long failedImages, long trainingRunsFailed, boolean complete, double validationAccuracy,
                           List<String> labels, Map<String, Integer> classRecordCounts, double flowSeconds, double gatherSeconds,
                           double trainingSeconds) {

        public boolean failed() {
            return classifierArtifact == null;
        }
    }

    /** What a run produced. */
    public record Result(Training training, long scoredImages, long scoringFailures, long correctPredictions, ClassificationReport heldOut,
                         TreeSet<String> heldOutClasses, Path heldOutReport, Path heldOutConfusionMatrix, double scoreSeconds,
                         Map<String, double[]> trainStages, Map<String, double[]> scoreStages) {

        public double heldOutAccuracy() {
            return scoredImages == 0 ? Double.NaN : (double) correctPredictions / scoredImages;
        }
    }

    /** Where the model comes from: manifest, model folder, layer to tap and how to pool it. */
    public record FeatureModel(Path manifest, Path modelDirectory, String layer, String pooling) {
    }

    private static final long REPORT_EVERY_NANOS = Duration.ofSeconds(5).toNanos();

    private final NiFiRestClient client;
    private final Path templates;
    private final Consumer<String> progress;
    private final Path nifiLog;
    private final ObjectMapper mapper = new ObjectMapper();

    /**
     * @param nifiLog NiFi's application log, read for the trainer's epoch lines (null: no epoch lines)
     */
    public TransferLearningRun(final NiFiRestClient client, final Path templates, final Consumer<String> progress, final Path nifiLog) {
        this.client = client;
        this.templates = templates;
        this.progress = progress;
        this.nifiLog = nifiLog;
    }

    /**
     * Trains, and when training gave a model, scores the held-out tree.
     *
     * @param trainingInputs files in the training tree
     */
    public Result run(final FeatureModel model, final Path trainingImages, final long trainingInputs, final Path heldOutImages, final long heldOutInputs,
                      final Path work, final Duration timeout) throws IOException, InterruptedException {
        final String root = client.rootGroupId();
        final String trainGroup = client.uploadFlowDefinition(root, "train-image-classifier", templates.resolve("train-image-classifier.json"), 0, 0);
        final Training training = train(trainGroup, model, trainingImages, trainingInputs, work, timeout);
        final Map<String, double[]> trainStages = new FlowProgress(client, trainGroup).processorFigures();
        client.stopGroup(trainGroup);
        if (training.failed()) {
            return new Result(training, 0, 0, 0, null, classFolders(heldOutImages), null, null, 0, trainStages, Map.of());
        }

        final Path predictions = work.resolve("predictions");
        final Path scoreFailures = work.resolve("score-failed");
        progress.accept("Importing " + templates.resolve("score-images.json"));
        final String scoreGroup = client.uploadFlowDefinition(root, "score-images", templates.resolve("score-images.json"), 0, 1200);
        final Map<String, String> scoreParameters = new LinkedHashMap<>(modelParameters(model));
        scoreParameters.put("input.directory", heldOutImages.toString());
        scoreParameters.put("predictions.directory", predictions.toString());
        scoreParameters.put("failure.directory", scoreFailures.toString());
        scoreParameters.put("classifier.model", training.classifierArtifact().toString());
        client.setParameters(scoreGroup, scoreParameters);
        client.enableControllerServices(scoreGroup);
        requireValid(scoreGroup);
        progress.accept("Scoring flow started over " + heldOutInputs + " held-out files in " + heldOutImages);
        // Progress from NiFi's counter, not by reading the prediction files: parsing them every poll would take CPU from the flow.
        final long extractedBefore = client.counter("ExtractImageFeatures", "Images");
        final StageProgress scoring = new StageProgress("score", heldOutInputs, 0);
        client.startGroup(scoreGroup);
        awaitIdle(scoreGroup, () -> counterSafely("ExtractImageFeatures", "Images") - extractedBefore, heldOutInputs, timeout, scoring);
        final double scoreSeconds = scoring.seconds();
        final Map<String, double[]> scoreStages = new FlowProgress(client, scoreGroup).processorFigures();
        client.stopGroup(scoreGroup);

        final List<JsonNode> records = predictionRecords(predictions);
        final List<String> labels = training.labels();
        final int[] actual = new int[records.size()];
        final int[] predicted = new int[records.size()];
        final List<String> evaluationLabels = new ArrayList<>(labels);
        long correct = 0;
        for (int index = 0; index < records.size(); index++) {
            final String label = records.get(index).path("label").asText();
            final String prediction = records.get(index).path("predicted_label").asText();
            if (!evaluationLabels.contains(label)) {
                // A held-out class the classifier does not know: kept in the evaluation, where it can only be wrong.
                evaluationLabels.add(label);
            }
            actual[index] = evaluationLabels.indexOf(label);
            predicted[index] = evaluationLabels.indexOf(prediction);
            if (label.equals(prediction)) {
                correct++;
            }
        }
        final ClassificationReport heldOut = ClassificationReport.of(actual, predicted, evaluationLabels);
        final Path classifierFolder = training.classifierArtifact().getParent();
        final Path heldOutReport = classifierFolder.resolve("held-out.evaluation.json");
        final Path heldOutPicture = classifierFolder.resolve("held-out.confusion-matrix.png");
        Files.write(heldOutReport, heldOutJson(heldOut, training));
        Files.write(heldOutPicture, ConfusionMatrixRenderer.renderPng(heldOut, "held-out"));
        return new Result(training, records.size(), failureReasons(scoreFailures), correct, heldOut, classFolders(heldOutImages), heldOutReport,
                heldOutPicture, scoreSeconds, trainStages, scoreStages);
    }

    private Training train(final String trainGroup, final FeatureModel model, final Path trainingImages, final long trainingInputs, final Path work,
                           final Duration timeout) throws IOException, InterruptedException {
        final Path classifierFolder = work.resolve("classifier");
        final Path trainFailures = work.resolve("train-failed");
        progress.accept("Imported " + templates.resolve("train-image-classifier.json"));
        final Map<String, String> trainParameters = new LinkedHashMap<>(modelParameters(model));
        trainParameters.put("dataset.directory", trainingImages.toString());
        trainParameters.put("classifier.output.directory", classifierFolder.toString());
        trainParameters.put("failure.directory", trainFailures.toString());
        trainParameters.put("training.store.directory", work.resolve("training-sets").toString());
        client.setParameters(trainGroup, trainParameters);
        client.enableControllerServices(trainGroup);
        requireValid(trainGroup);
        progress.accept("Training flow started over " + trainingInputs + " files in " + trainingImages);
        final NiFiLogTail epochs = nifiLog == null ? null : new NiFiLogTail(nifiLog);
        final long extractedBefore = client.counter("ExtractImageFeatures", "Images");
        final long gatheredBefore = gathered(client.counters());
        final StageProgress extraction = new StageProgress("extract", trainingInputs, extractedBefore);
        final StageProgress gathering = new StageProgress("gather", trainingInputs, gatheredBefore);
        final long flowStart = System.nanoTime();
        client.startGroup(trainGroup);

        final long deadline = System.nanoTime() + timeout.toNanos();
        long lastReport = 0;
        double gatherSeconds = Double.NaN;
        int quietPolls = 0;
        while (true) {
            if (System.nanoTime() > deadline) {
                throw new IOException("Training did not finish within " + timeout + "; queued " + client.groupStatus(trainGroup).path("flowFilesQueued").asInt()
                        + "; bulletins: " + client.bulletins());
            }
            // One counter snapshot per poll, every 2 s: each REST call takes CPU from the flow being watched.
            final JsonNode counters = client.counters();
            final long gatheredNow = gathered(counters) - gatheredBefore;
            if (Double.isNaN(gatherSeconds) && gatheredNow >= trainingInputs) {
                gatherSeconds = gathering.seconds();
                progress.accept("  all " + trainingInputs + " images gathered after " + StageProgress.duration(Duration.ofSeconds(Math.round(gatherSeconds)))
                        + "; training one classifier on them");
            }
            if (epochs != null) {
                // TrainImageClassifier logs "Training set <id>: <candidate> epoch <n> of at most <m>: validation accuracy ..., loss ...".
                for (final String line : epochs.newLines(" of at most ")) {
                    final int candidate = line.indexOf(": ", line.indexOf("Training set "));
                    progress.accept("  train     " + (candidate < 0 ? line : line.substring(candidate + 2)));
                }
            }
            if (System.nanoTime() - lastReport > REPORT_EVERY_NANOS) {
                lastReport = System.nanoTime();
                extraction.report(NiFiRestClient.counter(counters, "ExtractImageFeatures", "Images"), progress);
                gathering.report(gatheredBefore + gatheredNow, progress);
            }
            final boolean finished = countSafely(classifierFolder, ".classifier.zip") + countSafely(classifierFolder, ".evaluation.json")
                    + countSafely(classifierFolder, ".png") >= 3 || countSafely(trainFailures, ".training-failure.json") > 0;
            final JsonNode status = client.groupStatus(trainGroup);
            final boolean idle = status.path("flowFilesQueued").asInt() == 0 && status.path("activeThreadCount").asInt() == 0;
            quietPolls = finished && idle ? quietPolls + 1 : 0;
            if (quietPolls >= 2) {
                break;
            }
            Thread.sleep(2000);
        }
        final double flowSeconds = (System.nanoTime() - flowStart) / 1e9;
        final double trainingSeconds = flowSeconds - (Double.isNaN(gatherSeconds) ? flowSeconds : gatherSeconds);
        final List<Path> failures = FlowProgress.files(trainFailures, ".training-failure.json").stream()
                .filter(file -> !file.startsWith(trainFailures.resolve("reasons"))).toList();
        final long failedImages = failureReasons(trainFailures) - failures.size();
        if (!failures.isEmpty()) {
            final JsonNode failure = mapper.readTree(Files.readAllBytes(failures.getFirst()));
            return new Training(null, null, null, failures.getFirst(), failure.path("error").asText(), failure.path("trainingSet").path("records").asLong(),
                    failedImages, failures.size(), failure.path("trainingSet").path("complete").asBoolean(), Double.NaN, List.of(), Map.of(),
                    flowSeconds, gatherSeconds, trainingSeconds);
        }
        final Path artifact = FlowProgress.files(classifierFolder, ".classifier.zip").getFirst();
        final Path report = FlowProgress.files(classifierFolder, ".evaluation.json").stream()
                .filter(file -> !file.getFileName().toString().startsWith("held-out")).findFirst().orElseThrow();
        final Path picture = FlowProgress.files(classifierFolder, ".png").stream()
                .filter(file -> !file.getFileName().toString().startsWith("held-out")).findFirst().orElseThrow();
        final JsonNode evaluation = mapper.readTree(Files.readAllBytes(report));
        final List<String> labels = new ArrayList<>();
        evaluation.path("labels").forEach(label -> labels.add(label.asText()));
        final Map<String, Integer> classCounts = new LinkedHashMap<>();
        evaluation.path("classRecordCounts").properties().forEach(entry -> classCounts.put(entry.getKey(), entry.getValue().asInt()));
        final JsonNode trainingSet = evaluation.path("trainingSet");
        return new Training(artifact, report, picture, null, null, trainingSet.path("records").asLong(), failedImages, 0,
                trainingSet.path("complete").asBoolean(), evaluation.path("validationAccuracy").asDouble(), labels, classCounts,
                flowSeconds, gatherSeconds, trainingSeconds);
    }

    private static long gathered(final JsonNode counters) {
        return NiFiRestClient.counter(counters, "TrainImageClassifier", "Training records gathered")
                + NiFiRestClient.counter(counters, "TrainImageClassifier", "Failed images counted");
    }

    private void awaitIdle(final String groupId, final LongSupplier counter, final long expected, final Duration timeout, final StageProgress stage)
            throws IOException, InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        long lastReport = 0;
        int quietPolls = 0;
        while (System.nanoTime() < deadline) {
            final long count = counter.getAsLong();
            final JsonNode status = client.groupStatus(groupId);
            final boolean idle = status.path("flowFilesQueued").asInt() == 0 && status.path("activeThreadCount").asInt() == 0;
            quietPolls = count >= expected && idle ? quietPolls + 1 : 0;
            if (quietPolls >= 2) {
                stage.report(count, progress);
                return;
            }
            if (System.nanoTime() - lastReport > REPORT_EVERY_NANOS) {
                lastReport = System.nanoTime();
                stage.report(count, progress);
            }
            Thread.sleep(1000);
        }
        throw new IOException("After " + timeout + ": " + counter.getAsLong() + " of " + expected + " done; queued "
                + client.groupStatus(groupId).path("flowFilesQueued").asInt() + "; bulletins: " + client.bulletins());
    }

    private byte[] heldOutJson(final ClassificationReport heldOut, final Training training) throws IOException {
        final ObjectNode root = mapper.createObjectNode();
        root.put("heldOutAccuracy", heldOut.accuracy());
        root.put("heldOutMacroF1", heldOut.macroF1());
        root.put("validationAccuracy", training.validationAccuracy());
        root.put("classifierArtifact", training.classifierArtifact().toString());
        root.set("labels", mapper.valueToTree(heldOut.labels()));
        root.set("perClass", mapper.valueToTree(heldOut.classes()));
        root.set("confusionMatrix", mapper.valueToTree(heldOut.confusionMatrix()));
        return mapper.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(root);
    }

    /** The class folders of an image tree. */
    static TreeSet<String> classFolders(final Path images) throws IOException {
        final TreeSet<String> classes = new TreeSet<>();
        try (Stream<Path> folders = Files.list(images)) {
            folders.filter(Files::isDirectory).forEach(folder -> classes.add(folder.getFileName().toString()));
        }
        return classes;
    }

    /** Every prediction record written by the score flow (JSON arrays of records, one file per batch). */
    public List<JsonNode> predictionRecords(final Path predictions) throws IOException {
        final List<JsonNode> records = new ArrayList<>();
        if (!Files.isDirectory(predictions)) {
            return records;
        }
        try (Stream<Path> files = Files.walk(predictions)) {
            for (final Path file : files.filter(Files::isRegularFile).filter(file -> !file.getFileName().toString().startsWith(".")).sorted().toList()) {
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

    private long counterSafely(final String component, final String counter) {
        try {
            return client.counter(component, counter);
        } catch (final IOException e) {
            // asked again at the next poll
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

    /** Failure reasons the flow's failure branch wrote under the failure folder (one per failed FlowFile). */
    static long failureReasons(final Path failureFolder) {
        return FlowProgress.files(failureFolder.resolve("reasons"));
    }
}

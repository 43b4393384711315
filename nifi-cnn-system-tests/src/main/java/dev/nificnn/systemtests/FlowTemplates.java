package dev.nificnn.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the three nifi-cnn flows (classify-images, train-image-classifier, score-images) in a running NiFi through its
 * REST API and downloads them as flow definitions: the source of the files in templates/.
 */
public final class FlowTemplates {

    public static final String CLASSIFY_IMAGES = "classify-images";
    public static final String TRAIN_IMAGE_CLASSIFIER = "train-image-classifier";
    public static final String SCORE_IMAGES = "score-images";
    public static final String REVIEW_LOW_CONFIDENCE = "review-low-confidence";
    public static final List<String> NAMES = List.of(CLASSIFY_IMAGES, TRAIN_IMAGE_CLASSIFIER, SCORE_IMAGES, REVIEW_LOW_CONFIDENCE);

    static final String STANDARD = "org.apache.nifi.processors.standard.";
    static final String JSON_WRITER = "org.apache.nifi.json.JsonRecordSetWriter";
    static final String AVRO_WRITER = "org.apache.nifi.avro.AvroRecordSetWriter";
    static final String AVRO_READER = "org.apache.nifi.avro.AvroReader";
    static final String LIST_IMAGE_DATASET = "dev.nificnn.processors.ListImageDataset";
    static final String ONNX_MODEL_SERVICE = "dev.nificnn.services.OnnxModelService";
    static final String CLASSIFIER_MODEL_SERVICE = "dev.nificnn.services.ClassifierModelService";
    static final String CLASSIFY_IMAGE = "dev.nificnn.processors.ClassifyImage";
    static final String EXTRACT_IMAGE_FEATURES = "dev.nificnn.processors.ExtractImageFeatures";
    static final String TRAIN_IMAGE_CLASSIFIER_TYPE = "dev.nificnn.processors.TrainImageClassifier";
    static final String SCORE_IMAGE_CLASSIFIER = "dev.nificnn.processors.ScoreImageClassifier";

    /**
     * Concurrent tasks of ClassifyImage and ExtractImageFeatures. With the ONNX service's Intra-Op Threads (parameter
     * {@code inference.threads}) at cores / 2, one task decodes and writes while the other is inside ONNX Runtime: on 2 cores
     * that measured faster than one task with both cores (README, Benchmarks).
     */
    static final int INFERENCE_TASKS = 2;

    /** A file's class label is the name of the folder that holds it. */
    static final String LABEL_FROM_FOLDER = "${absolute.path:replaceAll('/+$', ''):substringAfterLast('/')}";

    private final NiFiRestClient client;

    public FlowTemplates(final NiFiRestClient client) {
        this.client = client;
    }

    /** Default parameter values; every folder and model path an operator changes lives here. */
    public static Map<String, String> defaultParameters(final String flowName) {
        final Map<String, String> parameters = new LinkedHashMap<>();
        switch (flowName) {
            case CLASSIFY_IMAGES -> {
                parameters.put("input.directory", "/data/nifi-cnn/incoming");
                parameters.put("output.directory", "/data/nifi-cnn/classified");
                parameters.put("failure.directory", "/data/nifi-cnn/failed");
                parameters.put("model.manifest", "/opt/nifi-cnn/models/squeezenet1.1-7.json");
                parameters.put("model.directory", "/opt/nifi-cnn/models");
                parameters.put("batch.size", "8");
                parameters.put("score.threshold", "0.5");
                parameters.put("execution.provider", "AUTO");
                parameters.put("inference.threads", "1");
            }
            case TRAIN_IMAGE_CLASSIFIER -> {
                parameters.put("dataset.directory", "/data/nifi-cnn/training-images");
                parameters.put("classifier.output.directory", "/data/nifi-cnn/classifier");
                parameters.put("failure.directory", "/data/nifi-cnn/failed");
                parameters.put("model.manifest", "/opt/nifi-cnn/models/alexnet-topology-random.json");
                parameters.put("model.directory", "/opt/nifi-cnn/models");
                parameters.put("feature.layer", "fc7");
                parameters.put("feature.pooling", "NONE");
                parameters.put("batch.size", "32");
                parameters.put("training.max.epochs", "50");
                parameters.put("training.store.directory", "./work/nifi-cnn/training-sets");
                parameters.put("execution.provider", "AUTO");
                parameters.put("inference.threads", "1");
            }
            case SCORE_IMAGES -> {
                parameters.put("input.directory", "/data/nifi-cnn/incoming");
                parameters.put("predictions.directory", "/data/nifi-cnn/predictions");
                parameters.put("failure.directory", "/data/nifi-cnn/failed");
                parameters.put("model.manifest", "/opt/nifi-cnn/models/alexnet-topology-random.json");
                parameters.put("model.directory", "/opt/nifi-cnn/models");
                parameters.put("feature.layer", "fc7");
                parameters.put("feature.pooling", "NONE");
                parameters.put("classifier.model", "/data/nifi-cnn/classifier/image-classifier.classifier.zip");
                parameters.put("batch.size", "32");
                parameters.put("execution.provider", "AUTO");
                parameters.put("inference.threads", "1");
            }
            case REVIEW_LOW_CONFIDENCE -> {
                parameters.putAll(defaultParameters(SCORE_IMAGES));
                parameters.put("review.directory", "/data/nifi-cnn/review");
                parameters.put("review.score.threshold", "0.6");
                parameters.put("review.margin", "0");
            }
            default -> throw new IllegalArgumentException("Unknown flow " + flowName);
        }
        return parameters;
    }

    /*
     * Canvas layout. NiFi draws a processor 352 x 128 px and a connection's label (about 240 x 100 px) at the middle of a straight
     * connection or on its first bend. The main path runs down one column, ROW apart, so that each label sits in the gap between
     * two processors; the failure branch stands in its own column to the right, FAILURE_X, so that labels of connections into it
     * lie between the columns. TemplateLayoutTest checks the exported definitions for overlaps.
     */
    private static final double ROW = 300;
    private static final double FAILURE_X = 900;

    private static double row(final int index) {
        return index * ROW;
    }

    /** Creates the named flow as a new process group (with its own parameter context) under the parent and returns its id. */
    public String build(final String parentGroupId, final String flowName) throws IOException {
        final String group = client.createProcessGroup(parentGroupId, flowName);
        client.bindParameterContext(group, client.createParameterContext(flowName, defaultParameters(flowName)));
        switch (flowName) {
            case CLASSIFY_IMAGES -> buildClassifyImages(group);
            case TRAIN_IMAGE_CLASSIFIER -> buildTrainImageClassifier(group);
            case SCORE_IMAGES -> buildScoreImages(group);
            case REVIEW_LOW_CONFIDENCE -> buildReviewLowConfidence(group);
            default -> throw new IllegalArgumentException("Unknown flow " + flowName);
        }
        return group;
    }

    private void buildClassifyImages(final String group) throws IOException {
        final String model = onnxModelService(group);
        final String list = listFile(group, "#{input.directory}", row(0));
        final String fetch = fetchFile(group, row(1));
        final String classify = client.createProcessor(group, CLASSIFY_IMAGE, "ClassifyImage", 0, row(2),
                Map.of("ONNX Model Service", model, "Batch Size", "#{batch.size}", "Top K", "5"),
                Map.of("concurrentlySchedulableTaskCount", INFERENCE_TASKS));
        final String route = client.createProcessor(group, STANDARD + "RouteOnAttribute", "Route By Score", 0, row(3),
                Map.of("Routing Strategy", "Route to Property name",
                        "confident", "${cnn.score:toDecimal():ge(#{score.threshold})}"),
                Map.of());
        final String putByLabel = client.createProcessor(group, STANDARD + "PutFile", "Put Into Label Folder", 0, row(4),
                Map.of("Directory", "#{output.directory}/${cnn.label:replaceAll('[^A-Za-z0-9_.-]+', '_')}/${path}",
                        "Conflict Resolution Strategy", "replace"),
                Map.of("autoTerminatedRelationships", List.of("success", "failure")));
        final String putUncertain = client.createProcessor(group, STANDARD + "PutFile", "Put Below Threshold", -FAILURE_X / 2 - 250, row(4),
                Map.of("Directory", "#{output.directory}/_below_threshold/${path}", "Conflict Resolution Strategy", "replace"),
                Map.of("autoTerminatedRelationships", List.of("success", "failure")));
        final String failure = failureBranch(group, FAILURE_X, row(2));

        client.connect(group, list, fetch, List.of("success"), "ROUND_ROBIN");
        client.connect(group, fetch, classify, List.of("success"), "DO_NOT_LOAD_BALANCE");
        client.connect(group, fetch, failure, List.of("not.found", "permission.denied", "failure"), "DO_NOT_LOAD_BALANCE");
        client.connect(group, classify, route, List.of("success"), "DO_NOT_LOAD_BALANCE");
        client.connect(group, classify, failure, List.of("failure"), "DO_NOT_LOAD_BALANCE");
        client.connect(group, route, putByLabel, List.of("confident"), "DO_NOT_LOAD_BALANCE");
        client.connect(group, route, putUncertain, List.of("unmatched"), "DO_NOT_LOAD_BALANCE");
    }

    /**
     * ListImageDataset announces the dataset's size on every image; TrainImageClassifier gathers feature records (Avro: compact
     * float32) until that many images arrived as records or as failures, then trains once. Failures therefore go to the trainer as
     * well as to the failure branch: they are counted, not waited for.
     */
    private void buildTrainImageClassifier(final String group) throws IOException {
        final String model = onnxModelService(group);
        final String reader = client.createControllerService(group, AVRO_READER, "Feature Record Reader", Map.of());
        final String writer = client.createControllerService(group, AVRO_WRITER, "Feature Record Writer", Map.of());
        final String list = client.createProcessor(group, LIST_IMAGE_DATASET, "ListImageDataset", 0, row(0),
                Map.of("Input Directory", "#{dataset.directory}"),
                // In a cluster only the primary node lists; the connection after it spreads the listed files over the nodes.
                Map.of("schedulingPeriod", "10 sec", "executionNode", "PRIMARY"));
        final String fetch = fetchFile(group, row(1));
        final String extract = extractImageFeatures(group, model, writer, row(2));
        final String train = client.createProcessor(group, TRAIN_IMAGE_CLASSIFIER_TYPE, "TrainImageClassifier", 0, row(3),
                Map.of("Record Reader", reader, "Maximum Epochs", "#{training.max.epochs}",
                        "Training Set Store Directory", "#{training.store.directory}"),
                Map.of("autoTerminatedRelationships", List.of("original")));
        final String putModel = client.createProcessor(group, STANDARD + "PutFile", "Put Classifier And Report", 0, row(4),
                Map.of("Directory", "#{classifier.output.directory}", "Conflict Resolution Strategy", "replace"),
                Map.of("autoTerminatedRelationships", List.of("success", "failure")));
        final String failure = failureBranch(group, FAILURE_X, row(1));

        client.connect(group, list, fetch, List.of("success"), "ROUND_ROBIN");
        client.connect(group, fetch, extract, List.of("success"), "DO_NOT_LOAD_BALANCE");
        client.connect(group, fetch, failure, List.of("not.found", "permission.denied", "failure"), "DO_NOT_LOAD_BALANCE");
        // Past ExtractImageFeatures on its left, so that the line and its label keep clear of it.
        client.connect(group, fetch, train, List.of("not.found", "permission.denied", "failure"), "SINGLE_NODE",
                List.of(new double[] {-300, row(1) + 64}, new double[] {-300, row(3) + 64}));
        client.connect(group, extract, train, List.of("success", "failure"), "SINGLE_NODE");
        client.connect(group, extract, failure, List.of("failure"), "DO_NOT_LOAD_BALANCE");
        client.connect(group, train, putModel, List.of("model", "report"), "DO_NOT_LOAD_BALANCE");
        client.connect(group, train, failure, List.of("failure"), "DO_NOT_LOAD_BALANCE");
    }

    private void buildScoreImages(final String group) throws IOException {
        final String model = onnxModelService(group);
        final String reader = client.createControllerService(group, AVRO_READER, "Feature Record Reader", Map.of());
        final String featureWriter = client.createControllerService(group, AVRO_WRITER, "Feature Record Writer", Map.of());
        final String writer = client.createControllerService(group, JSON_WRITER, "Prediction Record Writer", Map.of());
        final String classifier = client.createControllerService(group, CLASSIFIER_MODEL_SERVICE, "Classifier Model",
                Map.of("Classifier Artifact Path", "#{classifier.model}"));
        final String list = listFile(group, "#{input.directory}", row(0));
        final String fetch = fetchFile(group, row(1));
        final String extract = extractImageFeatures(group, model, featureWriter, row(2));
        final String score = client.createProcessor(group, SCORE_IMAGE_CLASSIFIER, "ScoreImageClassifier", 0, row(3),
                Map.of("Classifier Model Service", classifier, "Record Reader", reader, "Record Writer", writer),
                Map.of());
        final String putPredictions = client.createProcessor(group, STANDARD + "PutFile", "Put Predictions", 0, row(4),
                Map.of("Directory", "#{predictions.directory}", "Conflict Resolution Strategy", "replace"),
                Map.of("autoTerminatedRelationships", List.of("success", "failure")));
        final String failure = failureBranch(group, FAILURE_X, row(1));

        client.connect(group, list, fetch, List.of("success"), "ROUND_ROBIN");
        client.connect(group, fetch, extract, List.of("success"), "DO_NOT_LOAD_BALANCE");
        client.connect(group, fetch, failure, List.of("not.found", "permission.denied", "failure"), "DO_NOT_LOAD_BALANCE");
        client.connect(group, extract, score, List.of("success"), "DO_NOT_LOAD_BALANCE");
        client.connect(group, extract, failure, List.of("failure"), "DO_NOT_LOAD_BALANCE");
        client.connect(group, score, putPredictions, List.of("success"), "DO_NOT_LOAD_BALANCE");
        client.connect(group, score, failure, List.of("failure"), "DO_NOT_LOAD_BALANCE");
    }

    /**
     * score-images with ScoreImageClassifier's review on: each record it is unsure of leaves alone on 'review', naming its image
     * (filename, absolute.path), which FetchFile reads again and PutFile copies into a folder per predicted label, for a person to
     * move into the right class folder of the training tree. The review branch stands in its own column left of the main path;
     * its fetch failures reach the failure branch round the bottom of the canvas, clear of every processor.
     */
    private void buildReviewLowConfidence(final String group) throws IOException {
        final String model = onnxModelService(group);
        final String reader = client.createControllerService(group, AVRO_READER, "Feature Record Reader", Map.of());
        final String featureWriter = client.createControllerService(group, AVRO_WRITER, "Feature Record Writer", Map.of());
        final String writer = client.createControllerService(group, JSON_WRITER, "Prediction Record Writer", Map.of());
        final String classifier = client.createControllerService(group, CLASSIFIER_MODEL_SERVICE, "Classifier Model",
                Map.of("Classifier Artifact Path", "#{classifier.model}"));
        final String list = listFile(group, "#{input.directory}", row(0));
        final String fetch = fetchFile(group, row(1));
        final String extract = extractImageFeatures(group, model, featureWriter, row(2));
        final String score = client.createProcessor(group, SCORE_IMAGE_CLASSIFIER, "ScoreImageClassifier", 0, row(3),
                Map.of("Classifier Model Service", classifier, "Record Reader", reader, "Record Writer", writer,
                        "Review Score Threshold", "#{review.score.threshold}", "Review Margin", "#{review.margin}"),
                Map.of());
        final String putPredictions = client.createProcessor(group, STANDARD + "PutFile", "Put Predictions", 0, row(4),
                Map.of("Directory", "#{predictions.directory}", "Conflict Resolution Strategy", "replace"),
                Map.of("autoTerminatedRelationships", List.of("success", "failure")));
        final double reviewX = -FAILURE_X / 2 - 250;
        // File to Fetch keeps its default, ${absolute.path}/${filename}: the review FlowFile names its image. A copy: the input stays.
        final String fetchReviewed = client.createProcessor(group, STANDARD + "FetchFile", "Fetch Image For Review", reviewX, row(4),
                Map.of("Completion Strategy", "None"), Map.of());
        final String putReview = client.createProcessor(group, STANDARD + "PutFile", "Put Into Review Folder", reviewX, row(5),
                // The image's sub-folder under the input folder is kept, as ${path} elsewhere: equal names in different folders never
                // collide. (A parameter inside an EL string literal is not replaced: ${#{...}} is EL's own parameter reference.)
                Map.of("Directory", "#{review.directory}/${cnn.label:replaceAll('[^A-Za-z0-9_.-]+', '_')}/${absolute.path:substringAfter(${#{input.directory}})}",
                        "Conflict Resolution Strategy", "replace"),
                Map.of("autoTerminatedRelationships", List.of("success", "failure")));
        final String failure = failureBranch(group, FAILURE_X, row(1));

        client.connect(group, list, fetch, List.of("success"), "ROUND_ROBIN");
        client.connect(group, fetch, extract, List.of("success"), "DO_NOT_LOAD_BALANCE");
        client.connect(group, fetch, failure, List.of("not.found", "permission.denied", "failure"), "DO_NOT_LOAD_BALANCE");
        client.connect(group, extract, score, List.of("success"), "DO_NOT_LOAD_BALANCE");
        client.connect(group, extract, failure, List.of("failure"), "DO_NOT_LOAD_BALANCE");
        client.connect(group, score, putPredictions, List.of("success"), "DO_NOT_LOAD_BALANCE");
        client.connect(group, score, failure, List.of("failure"), "DO_NOT_LOAD_BALANCE");
        client.connect(group, score, fetchReviewed, List.of("review"), "DO_NOT_LOAD_BALANCE");
        client.connect(group, fetchReviewed, putReview, List.of("success"), "DO_NOT_LOAD_BALANCE");
        final double below = row(6) + 64;
        final double rightOfFailures = FAILURE_X + 450;
        client.connect(group, fetchReviewed, failure, List.of("not.found", "permission.denied", "failure"), "DO_NOT_LOAD_BALANCE",
                List.of(new double[] {reviewX - 150, row(4) + 64}, new double[] {reviewX - 150, below}, new double[] {rightOfFailures, below},
                        new double[] {rightOfFailures, row(1) + 64}));
    }

    /** The feature extractor of the train and score flows, which must agree on layer, pooling and label. */
    private String extractImageFeatures(final String group, final String model, final String writer, final double y) throws IOException {
        return client.createProcessor(group, EXTRACT_IMAGE_FEATURES, "ExtractImageFeatures", 0, y,
                Map.of("ONNX Model Service", model, "Record Writer", writer, "Layer", "#{feature.layer}",
                        "Pooling", "#{feature.pooling}", "Batch Size", "#{batch.size}", "Label", LABEL_FROM_FOLDER),
                Map.of("autoTerminatedRelationships", List.of("original"), "concurrentlySchedulableTaskCount", INFERENCE_TASKS));
    }

    private String onnxModelService(final String group) throws IOException {
        return client.createControllerService(group, ONNX_MODEL_SERVICE, "ONNX Model",
                Map.of("Model Manifest", "#{model.manifest}", "Model Directory", "#{model.directory}",
                        "Execution Provider", "#{execution.provider}", "Intra-Op Threads", "#{inference.threads}"));
    }

    private String listFile(final String group, final String directory, final double y) throws IOException {
        // In a cluster only the primary node lists; the connection after it spreads the listed files over the nodes.
        return client.createProcessor(group, STANDARD + "ListFile", "ListFile", 0, y,
                Map.of("Input Directory", directory, "Recurse Subdirectories", "true",
                        "File Filter", "[^\\.].*", "Minimum File Age", "1 sec"),
                Map.of("schedulingPeriod", "5 sec", "executionNode", "PRIMARY"));
    }

    private String fetchFile(final String group, final double y) throws IOException {
        // Completion Strategy None: the input stays where it is.
        return client.createProcessor(group, STANDARD + "FetchFile", "FetchFile", 0, y,
                Map.of("Completion Strategy", "None"), Map.of());
    }

    /**
     * Failed inputs are written unchanged into the failure folder, and their attributes (with cnn.error) as JSON into
     * failure/reasons; both keep the input's sub-folder (ListFile's path) so that equal file names of different folders never collide.
     */
    private String failureBranch(final String group, final double x, final double y) throws IOException {
        final String putFailed = client.createProcessor(group, STANDARD + "PutFile", "Put Failed Input", x, y,
                Map.of("Directory", "#{failure.directory}/${path}", "Conflict Resolution Strategy", "replace"),
                Map.of("autoTerminatedRelationships", List.of("failure")));
        final String attributesToJson = client.createProcessor(group, STANDARD + "AttributesToJSON", "Failure Reason To JSON", x, y + ROW,
                Map.of("Destination", "flowfile-content", "Attributes List", "filename,path,absolute.path,cnn.error", "Include Core Attributes", "false"),
                Map.of());
        final String putReason = client.createProcessor(group, STANDARD + "PutFile", "Put Failure Reason", x, y + 2 * ROW,
                Map.of("Directory", "#{failure.directory}/reasons/${path}", "Conflict Resolution Strategy", "replace"),
                Map.of("autoTerminatedRelationships", List.of("success", "failure")));
        client.connect(group, putFailed, attributesToJson, List.of("success"), "DO_NOT_LOAD_BALANCE");
        client.connect(group, attributesToJson, putReason, List.of("success", "failure"), "DO_NOT_LOAD_BALANCE");
        return putFailed;
    }

    /** Downloads the group and writes it as a flow definition without the ids of this NiFi instance. */
    public void export(final String groupId, final Path file) throws IOException {
        final ObjectMapper mapper = client.mapper().copy().enable(SerializationFeature.INDENT_OUTPUT);
        final JsonNode definition = mapper.readTree(client.downloadFlowDefinition(groupId));
        removeInstanceIdentifiers(definition);
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, mapper.writeValueAsString(definition) + "\n");
    }

    private static void removeInstanceIdentifiers(final JsonNode node) {
        if (node instanceof ObjectNode object) {
            object.remove("instanceIdentifier");
            object.properties().forEach(entry -> removeInstanceIdentifiers(entry.getValue()));
        } else if (node instanceof ArrayNode array) {
            array.forEach(FlowTemplates::removeInstanceIdentifiers);
        }
    }
}

package dev.nificnn.classifier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;

/** Writes the evaluation report of a training run as JSON: selected model, validation figures, confusion matrix, candidates. */
public final class EvaluationReportJson {

    private EvaluationReportJson() {
    }

    /** Returns the report as UTF-8 JSON bytes. */
    public static byte[] write(final TrainedClassifier trained) {
        final ArtifactMetadata metadata = trained.metadata();
        final ClassificationReport validation = trained.validation();
        final ObjectNode root = ClassifierArtifact.jsonMapper().createObjectNode();
        root.put("selectedClassifier", metadata.selectedClassifier());
        root.put("selectionMetric", metadata.selectionMetric().name());
        root.put("validationAccuracy", validation.accuracy());
        root.put("validationMacroF1", validation.macroF1());
        root.put("trainingRecords", metadata.trainingRecords());
        root.put("validationRecords", metadata.validationRecords());
        root.put("featureLength", metadata.featureLength());
        root.put("featureModel", metadata.featureModel());
        root.put("featureLayer", metadata.featureLayer());
        root.put("trainingSetSha256", metadata.trainingSetSha256());
        root.put("seed", metadata.seed());
        root.put("createdAt", metadata.createdAt());
        if (metadata.trainingSet() != null) {
            root.set("trainingSet", ClassifierArtifact.jsonMapper().valueToTree(metadata.trainingSet()));
        }
        if (metadata.classRecordCounts() != null) {
            root.set("classRecordCounts", ClassifierArtifact.jsonMapper().valueToTree(metadata.classRecordCounts()));
        }
        final ArrayNode labels = root.putArray("labels");
        validation.labels().forEach(labels::add);
        final ArrayNode classes = root.putArray("perClass");
        for (final ClassificationReport.ClassMetrics metrics : validation.classes()) {
            final ObjectNode node = classes.addObject();
            node.put("label", metrics.label());
            node.put("precision", metrics.precision());
            node.put("recall", metrics.recall());
            node.put("f1", metrics.f1());
            node.put("support", metrics.support());
        }
        final ObjectNode confusion = root.putObject("confusionMatrix");
        confusion.put("rows", "actual class, in label order");
        confusion.put("columns", "predicted class, in label order");
        final ArrayNode counts = confusion.putArray("counts");
        for (final long[] row : validation.confusionMatrix()) {
            final ArrayNode rowNode = counts.addArray();
            for (final long count : row) {
                rowNode.add(count);
            }
        }
        root.set("candidates", ClassifierArtifact.jsonMapper().valueToTree(metadata.candidates()));
        try {
            return ClassifierArtifact.jsonMapper().writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (final JsonProcessingException e) {
            throw new IllegalStateException("Report could not be written as JSON", e);
        }
    }
}

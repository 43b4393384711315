package dev.nificnn.processors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nificnn.classifier.ClassifierArtifact;
import dev.nificnn.classifier.TrainingSetCompleteness;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Writes the attributes that say what a trained model (or a failed training run) was trained on, and how complete that set was. */
final class TrainingSetAttributes {

    private TrainingSetAttributes() {
    }

    static Map<String, String> of(final TrainingSetCompleteness completeness, final Map<String, Integer> classCounts) {
        final Map<String, String> attributes = new HashMap<>();
        if (completeness.setId() != null) {
            attributes.put(CnnAttributes.TRAINING_SET_ID, completeness.setId());
        }
        attributes.put(CnnAttributes.TRAINING_RECORDS, Long.toString(completeness.records()));
        attributes.put(CnnAttributes.TRAINING_EXPECTED, Long.toString(completeness.expectedInputs()));
        attributes.put(CnnAttributes.TRAINING_FAILED_IMAGES, Long.toString(completeness.failedInputs()));
        attributes.put(CnnAttributes.TRAINING_COMPLETE, Boolean.toString(completeness.complete()));
        attributes.put(CnnAttributes.TRAINING_TRIGGER, completeness.trigger());
        try {
            attributes.put(CnnAttributes.TRAINING_CLASS_COUNTS, ClassifierArtifact.jsonMapper().copy().disable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(classCounts));
        } catch (final JsonProcessingException e) {
            throw new IllegalStateException("Class counts cannot be written as JSON", e);
        }
        return attributes;
    }

    /** The content of a failed training run's FlowFile: the reason and the set's counts. */
    static byte[] failureJson(final TrainingSetCompleteness completeness, final Map<String, Integer> classCounts, final String reason) {
        final ObjectNode root = ClassifierArtifact.jsonMapper().createObjectNode();
        root.put("error", reason);
        root.set("trainingSet", ClassifierArtifact.jsonMapper().valueToTree(completeness));
        root.set("classRecordCounts", ClassifierArtifact.jsonMapper().valueToTree(new HashMap<>(classCounts)));
        try {
            return ClassifierArtifact.jsonMapper().writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (final JsonProcessingException e) {
            throw new IllegalStateException("Failure report cannot be written as JSON", e);
        }
    }
}

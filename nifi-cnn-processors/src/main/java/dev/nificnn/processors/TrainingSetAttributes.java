package dev.nificnn.processors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nificnn.classifier.ClassifierArtifact;
import dev.nificnn.classifier.TrainingSetCompleteness;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** The attributes that say what a trained model (or a failed training run) was trained on, and how complete that set was. */
final class TrainingSetAttributes {

    static final String SET_ID = "cnn.training.set.id";
    static final String RECORDS = "cnn.training.records";
    static final String EXPECTED = "cnn.training.expected";
    static final String FAILED_IMAGES = "cnn.training.failed.images";
    static final String COMPLETE = "cnn.training.complete";
    static final String TRIGGER = "cnn.training.trigger";
    static final String CLASS_COUNTS = "cnn.training.class.counts";

    private TrainingSetAttributes() {
    }

    static Map<String, String> of(final TrainingSetCompleteness completeness, final Map<String, Integer> classCounts) {
        final Map<String, String> attributes = new HashMap<>();
        if (completeness.setId() != null) {
            attributes.put(SET_ID, completeness.setId());
        }
        attributes.put(RECORDS, Long.toString(completeness.records()));
        attributes.put(EXPECTED, Long.toString(completeness.expectedInputs()));
        attributes.put(FAILED_IMAGES, Long.toString(completeness.failedInputs()));
        attributes.put(COMPLETE, Boolean.toString(completeness.complete()));
        attributes.put(TRIGGER, completeness.trigger());
        try {
            attributes.put(CLASS_COUNTS, ClassifierArtifact.jsonMapper().copy().disable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
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

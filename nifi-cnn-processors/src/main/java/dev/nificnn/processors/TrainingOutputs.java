package dev.nificnn.processors;

import dev.nificnn.classifier.ClassifierArtifact;
import dev.nificnn.classifier.ConfusionMatrixRenderer;
import dev.nificnn.classifier.EvaluationReportJson;
import dev.nificnn.classifier.TrainedClassifier;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.flowfile.attributes.CoreAttributes;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.Relationship;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Writes a training run's three FlowFiles: the artifact, the JSON evaluation report and the confusion-matrix picture. */
final class TrainingOutputs {

    private TrainingOutputs() {
    }

    /** The attributes every output (and a whole-FlowFile input) carries: the validation figures and the training set's facts. */
    static Map<String, String> summary(final TrainedClassifier trained, final Map<String, String> setAttributes) {
        final Map<String, String> summary = new HashMap<>(setAttributes);
        summary.put(CnnAttributes.ACCURACY, CnnAttributes.score(trained.validation().accuracy()));
        summary.put(CnnAttributes.MACRO_F1, CnnAttributes.score(trained.validation().macroF1()));
        summary.put(CnnAttributes.MODEL_SELECTED, trained.metadata().selectedClassifier());
        summary.put(CnnAttributes.CLASS_COUNT, Integer.toString(trained.metadata().labels().size()));
        summary.put(CnnAttributes.FEATURE_LENGTH, Integer.toString(trained.metadata().featureLength()));
        return summary;
    }

    /**
     * Creates the model, report and picture FlowFiles (children of the parent when there is one); returns them in that order.
     * On an exception the FlowFiles created so far are removed.
     */
    static List<FlowFile> write(final ProcessSession session, final FlowFile parent, final TrainedClassifier trained, final String baseName,
                                final Map<String, String> setAttributes) throws IOException {
        final Map<String, String> summary = summary(trained, setAttributes);
        final List<FlowFile> created = new ArrayList<>();
        final Path artifactFile = Files.createTempFile("nifi-cnn-classifier-", ".zip");
        try {
            ClassifierArtifact.write(trained, artifactFile);
            FlowFile model = created(session, parent, created);
            model = session.importFrom(artifactFile, false, model);
            model = session.putAllAttributes(model, withFile(summary, baseName + ".classifier.zip", "application/zip", null));
            created.set(0, model);

            final byte[] reportJson = EvaluationReportJson.write(trained);
            FlowFile report = created(session, parent, created);
            report = session.write(report, output -> output.write(reportJson));
            report = session.putAllAttributes(report, withFile(summary, baseName + ".evaluation.json", "application/json",
                    TrainImageClassifier.EVALUATION_REPORT));
            created.set(1, report);

            final byte[] png = ConfusionMatrixRenderer.renderPng(trained.validation());
            FlowFile picture = created(session, parent, created);
            picture = session.write(picture, output -> output.write(png));
            picture = session.putAllAttributes(picture, withFile(summary, baseName + ".confusion-matrix.png", "image/png",
                    TrainImageClassifier.CONFUSION_MATRIX_REPORT));
            created.set(2, picture);
            return created;
        } catch (final IOException | RuntimeException e) {
            session.remove(created);
            throw e;
        } finally {
            Files.deleteIfExists(artifactFile);
        }
    }

    /** Sends the model to its relationship and both reports to theirs. */
    static void transfer(final ProcessSession session, final List<FlowFile> outputs, final Relationship model, final Relationship report) {
        session.transfer(outputs.get(0), model);
        session.transfer(outputs.get(1), report);
        session.transfer(outputs.get(2), report);
    }

    private static FlowFile created(final ProcessSession session, final FlowFile parent, final List<FlowFile> created) {
        final FlowFile flowFile = parent == null ? session.create() : session.create(parent);
        created.add(flowFile);
        return flowFile;
    }

    private static Map<String, String> withFile(final Map<String, String> summary, final String filename, final String mimeType, final String reportType) {
        final Map<String, String> attributes = new HashMap<>(summary);
        attributes.put(CoreAttributes.FILENAME.key(), filename);
        attributes.put(CoreAttributes.MIME_TYPE.key(), mimeType);
        if (reportType != null) {
            attributes.put(CnnAttributes.REPORT_TYPE, reportType);
        }
        return attributes;
    }
}

package dev.nificnn.testing;

import dev.nificnn.processors.ScoreImageClassifier;
import dev.nificnn.services.ClassifierModelService;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.json.JsonRecordSetWriter;
import org.apache.nifi.json.JsonTreeReader;
import org.apache.nifi.reporting.InitializationException;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;

import java.nio.file.Path;
import java.util.Map;

/** A ScoreImageClassifier runner reading and writing JSON records with a ClassifierModelService over an artifact file. */
public final class JsonScoringRunner {

    private JsonScoringRunner() {
    }

    /** A runner scoring with {@code artifact}; its JSON reader gets {@code readerProperties} (e.g. an explicit schema). */
    public static TestRunner create(final Path artifact, final Map<PropertyDescriptor, String> readerProperties) throws InitializationException {
        final TestRunner runner = TestRunners.newTestRunner(ScoreImageClassifier.class);
        final JsonTreeReader reader = new JsonTreeReader();
        runner.addControllerService("reader", reader);
        readerProperties.forEach((property, value) -> runner.setProperty(reader, property, value));
        runner.enableControllerService(reader);
        final JsonRecordSetWriter writer = new JsonRecordSetWriter();
        runner.addControllerService("writer", writer);
        runner.enableControllerService(writer);
        final ClassifierModelService service = new ClassifierModelService();
        runner.addControllerService("classifier", service);
        runner.setProperty(service, ClassifierModelService.ARTIFACT_PATH, artifact.toString());
        runner.enableControllerService(service);
        runner.setProperty(ScoreImageClassifier.RECORD_READER, "reader");
        runner.setProperty(ScoreImageClassifier.RECORD_WRITER, "writer");
        runner.setProperty(ScoreImageClassifier.CLASSIFIER_MODEL_SERVICE, "classifier");
        return runner;
    }

    /** A runner scoring with {@code artifact}, its reader inferring the schema. */
    public static TestRunner create(final Path artifact) throws InitializationException {
        return create(artifact, Map.of());
    }
}

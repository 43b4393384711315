package dev.nificnn.processors;

import dev.nificnn.classifier.ClassifierArtifact;
import dev.nificnn.classifier.ClassifierInputException;
import dev.nificnn.classifier.ClassifierTrainer;
import dev.nificnn.classifier.ConfusionMatrixRenderer;
import dev.nificnn.classifier.EvaluationReportJson;
import dev.nificnn.classifier.FeatureMatrix;
import dev.nificnn.classifier.FeatureMatrixBuilder;
import dev.nificnn.classifier.FeatureSource;
import dev.nificnn.classifier.TrainedClassifier;
import dev.nificnn.classifier.TrainingSettings;
import org.apache.nifi.annotation.behavior.InputRequirement;
import org.apache.nifi.annotation.behavior.SystemResource;
import org.apache.nifi.annotation.behavior.SystemResourceConsideration;
import org.apache.nifi.annotation.behavior.WritesAttribute;
import org.apache.nifi.annotation.behavior.WritesAttributes;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.SeeAlso;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.annotation.documentation.UseCase;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.flowfile.attributes.CoreAttributes;
import org.apache.nifi.processor.AbstractProcessor;
import org.apache.nifi.processor.DataUnit;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.processor.util.StandardValidators;
import org.apache.nifi.schema.access.SchemaNotFoundException;
import org.apache.nifi.serialization.MalformedRecordException;
import org.apache.nifi.serialization.RecordReader;
import org.apache.nifi.serialization.RecordReaderFactory;
import org.apache.nifi.serialization.record.Record;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** Trains softmax regression and multilayer perceptron classifiers on labelled feature records with Deeplearning4j and keeps the best. */
@Tags({"cnn", "classifier", "training", "machine learning", "deeplearning4j", "transfer learning", "features", "record"})
@CapabilityDescription("Reads one FlowFile of labelled feature records (for example those ExtractImageFeatures writes), standardises them, "
        + "holds out a stratified, seeded validation split, trains the candidate classifiers with Deeplearning4j (softmax regression and a "
        + "multilayer perceptron) with early stopping on validation loss, and keeps the candidate with the best validation score. "
        + "Writes the model artifact (one file: the DL4J network, its normaliser and JSON metadata) to 'model', a JSON evaluation report "
        + "and a PNG picture of the confusion matrix to 'report', and the input to 'original'. The whole feature matrix is held in memory "
        + "once: records x features x 4 bytes (see Maximum Training Matrix Size).")
@InputRequirement(InputRequirement.Requirement.INPUT_REQUIRED)
@SystemResourceConsideration(resource = SystemResource.MEMORY, description = "Holds every feature vector of the FlowFile in one float array: "
        + "records x features x 4 bytes (50,000 x 512 features: about 100 MB), bounded by Maximum Training Matrix Size.")
@SystemResourceConsideration(resource = SystemResource.CPU, description = "Training runs on the task's thread and ND4J's native threads; "
        + "it can take from seconds to minutes.")
@WritesAttributes({
    @WritesAttribute(attribute = TrainImageClassifier.ACCURACY_ATTRIBUTE, description = "Validation accuracy of the selected classifier, 0 to 1"),
    @WritesAttribute(attribute = TrainImageClassifier.MACRO_F1_ATTRIBUTE, description = "Validation macro F1 of the selected classifier, 0 to 1"),
    @WritesAttribute(attribute = TrainImageClassifier.SELECTED_ATTRIBUTE, description = "The selected candidate: softmax-regression or multilayer-perceptron"),
    @WritesAttribute(attribute = TrainImageClassifier.REPORT_TYPE_ATTRIBUTE, description = "On report FlowFiles: evaluation-json or confusion-matrix-png"),
    @WritesAttribute(attribute = TrainImageClassifier.CLASS_COUNT_ATTRIBUTE, description = "Number of classes the model predicts"),
    @WritesAttribute(attribute = TrainImageClassifier.FEATURE_LENGTH_ATTRIBUTE, description = "Feature vector length the model takes"),
    @WritesAttribute(attribute = "mime.type", description = "application/zip for the model, application/json and image/png for the reports"),
    @WritesAttribute(attribute = "filename", description = "The input's filename with .classifier.zip, .evaluation.json or .confusion-matrix.png"),
    @WritesAttribute(attribute = TrainImageClassifier.ERROR_ATTRIBUTE, description = "Why the input went to failure")
})
@UseCase(description = "Train an image classifier on CNN features inside the flow (transfer learning).",
        configuration = """
                Feed ExtractImageFeatures' records, with a label per image, merged into one FlowFile (MergeRecord) into this processor.
                Set Record Reader to a reader of that format (for example JsonTreeReader). Keep Feature Field 'features' and Label Field 'label'.
                Route 'model' to PutFile in a folder every node can read, and point a ClassifierModelService at that file;
                ScoreImageClassifier then scores new images with it. Open the 'report' PNG to see which classes are confused.
                """)
@SeeAlso(ScoreImageClassifier.class)
public class TrainImageClassifier extends AbstractProcessor {

    static final String ACCURACY_ATTRIBUTE = "cnn.accuracy";
    static final String MACRO_F1_ATTRIBUTE = "cnn.macro.f1";
    static final String SELECTED_ATTRIBUTE = "cnn.model.selected";
    static final String REPORT_TYPE_ATTRIBUTE = "cnn.report.type";
    static final String CLASS_COUNT_ATTRIBUTE = "cnn.class.count";
    static final String FEATURE_LENGTH_ATTRIBUTE = "cnn.feature.length";
    static final String ERROR_ATTRIBUTE = "cnn.error";
    static final String EVALUATION_REPORT = "evaluation-json";
    static final String CONFUSION_MATRIX_REPORT = "confusion-matrix-png";

    /** Optional record fields naming the CNN model and layer the features came from (ExtractImageFeatures writes them). */
    static final String MODEL_FIELD = "model";
    static final String LAYER_FIELD = "layer";

    static final PropertyDescriptor RECORD_READER = new PropertyDescriptor.Builder()
            .name("Record Reader")
            .description("Reads the labelled feature records")
            .identifiesControllerService(RecordReaderFactory.class)
            .required(true)
            .build();

    static final PropertyDescriptor FEATURE_FIELD = new PropertyDescriptor.Builder()
            .name("Feature Field")
            .description("Record field holding the feature vector (an array of numbers); every record's vector must have the same length")
            .required(true)
            .defaultValue("features")
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();

    static final PropertyDescriptor LABEL_FIELD = new PropertyDescriptor.Builder()
            .name("Label Field")
            .description("Record field holding the class label (text); every record needs one")
            .required(true)
            .defaultValue("label")
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();

    static final PropertyDescriptor CANDIDATES = new PropertyDescriptor.Builder()
            .name("Candidate Classifiers")
            .description("Which classifiers to train and compare on the validation split")
            .required(true)
            .allowableValues(CandidateClassifiers.class)
            .defaultValue(CandidateClassifiers.ALL)
            .build();

    static final PropertyDescriptor SELECTION_METRIC = new PropertyDescriptor.Builder()
            .name("Selection Metric")
            .description("The validation score that picks the winning candidate (ties go to the softmax regression)")
            .required(true)
            .allowableValues(ModelSelectionMetric.class)
            .defaultValue(ModelSelectionMetric.ACCURACY)
            .build();

    static final PropertyDescriptor HIDDEN_LAYER_SIZES = new PropertyDescriptor.Builder()
            .name("Hidden Layer Sizes")
            .description("Units of each hidden ReLU layer of the multilayer perceptron, comma-separated (for example 512,128)")
            .required(true)
            .defaultValue("256")
            .addValidator(StandardValidators.createListValidator(true, false, StandardValidators.POSITIVE_INTEGER_VALIDATOR))
            .build();

    static final PropertyDescriptor DROPOUT_RATE = new PropertyDescriptor.Builder()
            .name("Dropout Rate")
            .description("Probability of dropping each hidden unit while training the multilayer perceptron; 0 turns dropout off")
            .required(true)
            .defaultValue("0.2")
            .addValidator(new DoubleRangeValidator(0, true, 1, false))
            .build();

    static final PropertyDescriptor L2_REGULARIZATION = new PropertyDescriptor.Builder()
            .name("L2 Regularization")
            .description("L2 penalty on the weights of every candidate (0 turns it off)")
            .required(true)
            .defaultValue("0.0001")
            .addValidator(new DoubleRangeValidator(0, true, 1, true))
            .build();

    static final PropertyDescriptor LEARNING_RATE = new PropertyDescriptor.Builder()
            .name("Learning Rate")
            .description("Initial Adam learning rate; it is halved after every epoch that does not lower the validation loss")
            .required(true)
            .defaultValue("0.001")
            .addValidator(new DoubleRangeValidator(0, false, 1, true))
            .build();

    static final PropertyDescriptor MAXIMUM_EPOCHS = new PropertyDescriptor.Builder()
            .name("Maximum Epochs")
            .description("Most passes over the training records per candidate")
            .required(true)
            .defaultValue("50")
            .addValidator(StandardValidators.createLongValidator(1, 10_000, true))
            .build();

    static final PropertyDescriptor EARLY_STOPPING_PATIENCE = new PropertyDescriptor.Builder()
            .name("Early Stopping Patience")
            .description("Epochs without a lower validation loss after which training stops; the parameters of the best epoch are kept")
            .required(true)
            .defaultValue("5")
            .addValidator(StandardValidators.createLongValidator(1, 1_000, true))
            .build();

    static final PropertyDescriptor BATCH_SIZE = new PropertyDescriptor.Builder()
            .name("Batch Size")
            .description("Training records per gradient step")
            .required(true)
            .defaultValue("256")
            .addValidator(StandardValidators.createLongValidator(1, 65_536, true))
            .build();

    static final PropertyDescriptor VALIDATION_FRACTION = new PropertyDescriptor.Builder()
            .name("Validation Fraction")
            .description("Share of each class held out (stratified) for early stopping, model selection and the report; "
                    + "every class keeps at least one record on each side, so each class needs at least two records")
            .required(true)
            .defaultValue("0.1")
            .addValidator(new DoubleRangeValidator(0, false, 0.9, true))
            .build();

    static final PropertyDescriptor RANDOM_SEED = new PropertyDescriptor.Builder()
            .name("Random Seed")
            .description("Seeds the validation split, the shuffling, weight initialisation and dropout: the same records, properties and seed "
                    + "give the same model and scores")
            .required(true)
            .defaultValue("42")
            .addValidator(StandardValidators.LONG_VALIDATOR)
            .build();

    static final PropertyDescriptor MAXIMUM_MATRIX_SIZE = new PropertyDescriptor.Builder()
            .name("Maximum Training Matrix Size")
            .description("Largest feature matrix to hold in memory, counted as records x features x 4 bytes + records x 4 bytes; "
                    + "a FlowFile with more goes to failure instead of exhausting the heap. Reading may briefly need 2.5 times "
                    + "this while the array grows, so keep it well under the JVM's -Xmx.")
            .required(true)
            .defaultValue("2 GB")
            .addValidator(StandardValidators.DATA_SIZE_VALIDATOR)
            .build();

    static final Relationship MODEL = new Relationship.Builder()
            .name("model")
            .description("The trained model artifact: one zip file with the DL4J network, its normaliser and JSON metadata")
            .build();

    static final Relationship REPORT = new Relationship.Builder()
            .name("report")
            .description("Two FlowFiles per training: the JSON evaluation report and a PNG picture of the confusion matrix")
            .build();

    static final Relationship ORIGINAL = new Relationship.Builder()
            .name("original")
            .description("The input FlowFile after a successful training")
            .build();

    static final Relationship FAILURE = new Relationship.Builder()
            .name("failure")
            .description("Input that could not be trained on, with the reason in cnn.error")
            .build();

    private static final List<PropertyDescriptor> PROPERTIES = List.of(RECORD_READER, FEATURE_FIELD, LABEL_FIELD, CANDIDATES, SELECTION_METRIC,
            HIDDEN_LAYER_SIZES, DROPOUT_RATE, L2_REGULARIZATION, LEARNING_RATE, MAXIMUM_EPOCHS, EARLY_STOPPING_PATIENCE, BATCH_SIZE,
            VALIDATION_FRACTION, RANDOM_SEED, MAXIMUM_MATRIX_SIZE);

    private static final Set<Relationship> RELATIONSHIPS = Set.of(MODEL, REPORT, ORIGINAL, FAILURE);

    @Override
    protected List<PropertyDescriptor> getSupportedPropertyDescriptors() {
        return PROPERTIES;
    }

    @Override
    public Set<Relationship> getRelationships() {
        return RELATIONSHIPS;
    }

    @Override
    public void onTrigger(final ProcessContext context, final ProcessSession session) {
        FlowFile flowFile = session.get();
        if (flowFile == null) {
            return;
        }
        final long started = System.nanoTime();
        final List<FlowFile> created = new ArrayList<>();
        Path artifactFile = null;
        try {
            final TrainingInput input = readRecords(context, session, flowFile);
            final TrainedClassifier trained = ClassifierTrainer.train(input.matrix(), settings(context), input.source());

            artifactFile = Files.createTempFile("nifi-cnn-classifier-", ".zip");
            ClassifierArtifact.write(trained, artifactFile);

            final Map<String, String> summary = new HashMap<>();
            summary.put(ACCURACY_ATTRIBUTE, format(trained.validation().accuracy()));
            summary.put(MACRO_F1_ATTRIBUTE, format(trained.validation().macroF1()));
            summary.put(SELECTED_ATTRIBUTE, trained.metadata().selectedClassifier());
            summary.put(CLASS_COUNT_ATTRIBUTE, Integer.toString(trained.metadata().labels().size()));
            summary.put(FEATURE_LENGTH_ATTRIBUTE, Integer.toString(trained.metadata().featureLength()));
            final String baseName = baseName(flowFile);

            FlowFile model = session.create(flowFile);
            created.add(model);
            model = session.importFrom(artifactFile, false, model);
            model = session.putAllAttributes(model, withFile(summary, baseName + ".classifier.zip", "application/zip"));
            created.set(0, model);

            FlowFile report = session.create(flowFile);
            created.add(report);
            final byte[] reportJson = EvaluationReportJson.write(trained);
            report = session.write(report, output -> output.write(reportJson));
            final Map<String, String> reportAttributes = withFile(summary, baseName + ".evaluation.json", "application/json");
            reportAttributes.put(REPORT_TYPE_ATTRIBUTE, EVALUATION_REPORT);
            report = session.putAllAttributes(report, reportAttributes);
            created.set(1, report);

            FlowFile picture = session.create(flowFile);
            created.add(picture);
            final byte[] png = ConfusionMatrixRenderer.renderPng(trained.validation());
            picture = session.write(picture, output -> output.write(png));
            final Map<String, String> pictureAttributes = withFile(summary, baseName + ".confusion-matrix.png", "image/png");
            pictureAttributes.put(REPORT_TYPE_ATTRIBUTE, CONFUSION_MATRIX_REPORT);
            picture = session.putAllAttributes(picture, pictureAttributes);
            created.set(2, picture);

            flowFile = session.putAllAttributes(flowFile, summary);
            final long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
            session.getProvenanceReporter().fork(flowFile, List.copyOf(created), "Trained " + trained.metadata().selectedClassifier()
                    + " on " + input.matrix().rows() + " records, validation accuracy " + summary.get(ACCURACY_ATTRIBUTE), elapsedMillis);
            session.transfer(model, MODEL);
            session.transfer(report, REPORT);
            session.transfer(picture, REPORT);
            session.transfer(flowFile, ORIGINAL);
            getLogger().info("Trained {} on {} records of {} features in {} ms: validation accuracy {}", trained.metadata().selectedClassifier(),
                    input.matrix().rows(), input.matrix().columns(), elapsedMillis, summary.get(ACCURACY_ATTRIBUTE));
        } catch (final ClassifierInputException | MalformedRecordException | SchemaNotFoundException | IOException | RuntimeException e) {
            session.remove(created);
            final String reason = e instanceof ClassifierInputException ? e.getMessage()
                    : "Training failed: " + Objects.requireNonNullElse(e.getMessage(), e.getClass().getSimpleName());
            getLogger().error("Could not train a classifier on {}: {}", flowFile, reason, e);
            flowFile = session.putAttribute(flowFile, ERROR_ATTRIBUTE, reason);
            session.transfer(flowFile, FAILURE);
        } finally {
            if (artifactFile != null) {
                try {
                    Files.deleteIfExists(artifactFile);
                } catch (final IOException e) {
                    getLogger().warn("Could not delete temporary artifact {}", artifactFile, e);
                }
            }
        }
    }

    private record TrainingInput(FeatureMatrix matrix, FeatureSource source) {
    }

    private TrainingInput readRecords(final ProcessContext context, final ProcessSession session, final FlowFile flowFile)
            throws IOException, MalformedRecordException, SchemaNotFoundException, ClassifierInputException {
        final RecordReaderFactory readerFactory = context.getProperty(RECORD_READER).asControllerService(RecordReaderFactory.class);
        final String featureField = context.getProperty(FEATURE_FIELD).getValue();
        final String labelField = context.getProperty(LABEL_FIELD).getValue();
        final long maximumBytes = context.getProperty(MAXIMUM_MATRIX_SIZE).asDataSize(DataUnit.B).longValue();
        final FeatureMatrixBuilder builder = new FeatureMatrixBuilder(maximumBytes);
        String model = null;
        String layer = null;
        try (InputStream in = session.read(flowFile); RecordReader reader = readerFactory.createRecordReader(flowFile, in, getLogger())) {
            Record record;
            while ((record = reader.nextRecord()) != null) {
                final long recordNumber = builder.rows() + 1L;
                final Object features = record.getValue(featureField);
                if (features == null) {
                    throw new ClassifierInputException("Record " + recordNumber + " has no value in feature field '" + featureField + "'");
                }
                final String label = record.getAsString(labelField);
                if (label == null || label.isBlank()) {
                    throw new ClassifierInputException("Record " + recordNumber + " has no value in label field '" + labelField + "'");
                }
                builder.add(features, label);
                model = sameSource(model, record, MODEL_FIELD, recordNumber);
                layer = sameSource(layer, record, LAYER_FIELD, recordNumber);
            }
        }
        return new TrainingInput(builder.build(), new FeatureSource(model, layer));
    }

    /** Returns the record's model or layer name, refusing a set whose records come from different feature extractors. */
    private static String sameSource(final String seen, final Record record, final String field, final long recordNumber) throws ClassifierInputException {
        if (!record.getSchema().getFieldNames().contains(field)) {
            return seen;
        }
        final String value = record.getAsString(field);
        if (value == null) {
            return seen;
        }
        if (seen != null && !seen.equals(value)) {
            throw new ClassifierInputException("Record " + recordNumber + " has " + field + " '" + value + "' but earlier records have '" + seen
                    + "': features from different models or layers cannot be trained on together");
        }
        return value;
    }

    private static TrainingSettings settings(final ProcessContext context) {
        final List<Integer> hiddenLayerSizes = new ArrayList<>();
        for (final String size : context.getProperty(HIDDEN_LAYER_SIZES).getValue().split(",")) {
            if (!size.isBlank()) {
                hiddenLayerSizes.add(Integer.parseInt(size.trim()));
            }
        }
        return new TrainingSettings(
                context.getProperty(CANDIDATES).asAllowableValue(CandidateClassifiers.class).kinds(),
                hiddenLayerSizes,
                context.getProperty(DROPOUT_RATE).asDouble(),
                context.getProperty(L2_REGULARIZATION).asDouble(),
                context.getProperty(LEARNING_RATE).asDouble(),
                context.getProperty(MAXIMUM_EPOCHS).asInteger(),
                context.getProperty(EARLY_STOPPING_PATIENCE).asInteger(),
                context.getProperty(BATCH_SIZE).asInteger(),
                context.getProperty(VALIDATION_FRACTION).asDouble(),
                context.getProperty(SELECTION_METRIC).asAllowableValue(ModelSelectionMetric.class).metric(),
                context.getProperty(RANDOM_SEED).asLong());
    }

    private static Map<String, String> withFile(final Map<String, String> summary, final String filename, final String mimeType) {
        final Map<String, String> attributes = new HashMap<>(summary);
        attributes.put(CoreAttributes.FILENAME.key(), filename);
        attributes.put(CoreAttributes.MIME_TYPE.key(), mimeType);
        return attributes;
    }

    private static String baseName(final FlowFile flowFile) {
        final String filename = Objects.requireNonNullElse(flowFile.getAttribute(CoreAttributes.FILENAME.key()), "classifier");
        final int dot = filename.lastIndexOf('.');
        return dot > 0 ? filename.substring(0, dot) : filename;
    }

    private static String format(final double value) {
        return String.format(Locale.ROOT, "%.4f", value);
    }
}

package dev.nificnn.processors;

import dev.nificnn.classifier.ClassifierInputException;
import dev.nificnn.classifier.ClassifierKind;
import dev.nificnn.classifier.ClassifierTrainer;
import dev.nificnn.classifier.FeatureMatrix;
import dev.nificnn.classifier.FeatureMatrixBuilder;
import dev.nificnn.classifier.FeatureSource;
import dev.nificnn.classifier.EpochListener;
import dev.nificnn.classifier.TrainedClassifier;
import dev.nificnn.classifier.TrainingSetCompleteness;
import dev.nificnn.classifier.TrainingSetStore;
import dev.nificnn.classifier.TrainingSettings;
import org.apache.nifi.annotation.behavior.InputRequirement;
import org.apache.nifi.annotation.behavior.ReadsAttribute;
import org.apache.nifi.annotation.behavior.ReadsAttributes;
import org.apache.nifi.annotation.behavior.TriggerSerially;
import org.apache.nifi.annotation.behavior.TriggerWhenEmpty;
import org.apache.nifi.annotation.behavior.SystemResource;
import org.apache.nifi.annotation.behavior.SystemResourceConsideration;
import org.apache.nifi.annotation.behavior.WritesAttribute;
import org.apache.nifi.annotation.behavior.WritesAttributes;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.SeeAlso;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.annotation.documentation.UseCase;
import org.apache.nifi.annotation.lifecycle.OnScheduled;
import org.apache.nifi.annotation.lifecycle.OnStopped;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.expression.ExpressionLanguageScope;
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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** Gathers labelled feature records into complete training sets and trains softmax regression and MLP classifiers on each with Deeplearning4j, keeping the best. */
@Tags({"cnn", "classifier", "training", "machine learning", "deeplearning4j", "transfer learning", "features", "record"})
@CapabilityDescription("Gathers labelled feature records (for example those ExtractImageFeatures writes, batch by batch) into training sets and, "
        + "when a set is complete, trains one classifier on all of it. A set is complete when as many images as its Training Set Size "
        + "(by default the size ListImageDataset listed) have arrived, as feature records or as failed images (FlowFiles with cnn.error or "
        + "fetch.failure.reason, counted, not trained on). Completeness never depends on timing; an optional Incomplete Set Timeout trains on "
        + "part of a set only as a loud, explicit fallback. Records are kept on disk until then (restart-safe, each input counted once). "
        + "Training standardises the features, holds out a stratified, seeded validation split, trains the candidate classifiers (softmax "
        + "regression and a multilayer perceptron) with early stopping on validation loss, and keeps the best. Writes the model artifact (one "
        + "file: the DL4J network, its normaliser and JSON metadata with the per-class training counts) to 'model', a JSON evaluation report "
        + "and a PNG picture of the confusion matrix to 'report'. A FlowFile without a Training Set Size is a whole set by itself. "
        + "The feature matrix is held in memory once while training: records x features x 4 bytes (see Maximum Training Matrix Size).")
@InputRequirement(InputRequirement.Requirement.INPUT_REQUIRED)
@TriggerSerially
@TriggerWhenEmpty
@SystemResourceConsideration(resource = SystemResource.MEMORY, description = "While training, every feature vector of the set is held in one "
        + "float array: records x features x 4 bytes (50,000 x 512 features: about 100 MB; 50,000 x 4,096 AlexNet fc7 features: about 820 MB), "
        + "bounded by Maximum Training Matrix Size. While gathering, only counts and FlowFile ids are in memory.")
@SystemResourceConsideration(resource = SystemResource.DISK, description = "An incomplete set's records are kept under Training Set Store Directory: "
        + "records x (features x 4 + about 20) bytes, deleted after training.")
@SystemResourceConsideration(resource = SystemResource.CPU, description = "Training runs on the task's thread and ND4J's native threads; "
        + "it can take from seconds to minutes.")
@ReadsAttributes({
    @ReadsAttribute(attribute = CnnAttributes.DATASET_ID, description = "Default Training Set Id"),
    @ReadsAttribute(attribute = CnnAttributes.DATASET_SIZE, description = "Default Training Set Size"),
    @ReadsAttribute(attribute = CnnAttributes.ERROR, description = "Marks a FlowFile as a failed image of its set (counted, not trained on)"),
    @ReadsAttribute(attribute = FailedImages.FETCH_FAILURE_ATTRIBUTE, description = "FetchFile's failure reason: also marks a failed image"),
    @ReadsAttribute(attribute = FailedImages.RECORD_COUNT_ATTRIBUTE, description = "How many images a failed or unreadable record FlowFile stands for (1 when absent)")
})
@WritesAttributes({
    @WritesAttribute(attribute = CnnAttributes.ACCURACY, description = "Validation accuracy of the selected classifier, 0 to 1"),
    @WritesAttribute(attribute = CnnAttributes.MACRO_F1, description = "Validation macro F1 of the selected classifier, 0 to 1"),
    @WritesAttribute(attribute = CnnAttributes.MODEL_SELECTED, description = "The selected candidate: softmax-regression or multilayer-perceptron"),
    @WritesAttribute(attribute = CnnAttributes.REPORT_TYPE, description = "On report FlowFiles: evaluation-json or confusion-matrix-png"),
    @WritesAttribute(attribute = CnnAttributes.CLASS_COUNT, description = "Number of classes the model predicts"),
    @WritesAttribute(attribute = CnnAttributes.FEATURE_LENGTH, description = "Feature vector length the model takes"),
    @WritesAttribute(attribute = CnnAttributes.TRAINING_SET_ID, description = "The training set's id"),
    @WritesAttribute(attribute = CnnAttributes.TRAINING_RECORDS, description = "Feature records trained on"),
    @WritesAttribute(attribute = CnnAttributes.TRAINING_EXPECTED, description = "Images the set was announced to have"),
    @WritesAttribute(attribute = CnnAttributes.TRAINING_FAILED_IMAGES, description = "Images of the set that failed upstream"),
    @WritesAttribute(attribute = CnnAttributes.TRAINING_COMPLETE, description = "true when every announced image arrived (as a record or a failure); "
            + "false when the Incomplete Set Timeout trained on part of the set"),
    @WritesAttribute(attribute = CnnAttributes.TRAINING_TRIGGER, description = "What started the training: count-reached, timeout or single-flowfile"),
    @WritesAttribute(attribute = CnnAttributes.TRAINING_CLASS_COUNTS, description = "Records per class trained on, as a JSON object"),
    @WritesAttribute(attribute = "mime.type", description = "application/zip for the model, application/json and image/png for the reports"),
    @WritesAttribute(attribute = "filename", description = "<Output Name> (or the input's filename) with .classifier.zip, .evaluation.json, "
            + ".confusion-matrix.png or .training-failure.json"),
    @WritesAttribute(attribute = CnnAttributes.ERROR, description = "Why an input or a training run went to failure")
})
@UseCase(description = "Train an image classifier on CNN features inside the flow (transfer learning), on the whole of a dataset.",
        configuration = """
                List the class-per-folder tree with ListImageDataset, fetch each image with FetchFile, extract features with ExtractImageFeatures
                (Record Writer: an Avro writer), and connect its 'success' to this processor through a SINGLE_NODE connection; connect
                ExtractImageFeatures' and FetchFile's failure relationships here too (beside the failure branch), so failed images are
                counted instead of waited for. Set Record Reader to a reader of that format (AvroReader). Keep Training Set Id and
                Training Set Size at their defaults. Route 'model' to PutFile in a folder every node can read, and point a
                ClassifierModelService at that file; ScoreImageClassifier then scores new images with it. Open the 'report' PNG to see
                which classes are confused.
                """)
@SeeAlso({ListImageDataset.class, ScoreImageClassifier.class})
public class TrainImageClassifier extends AbstractProcessor {

    static final String EVALUATION_REPORT = "evaluation-json";
    static final String CONFUSION_MATRIX_REPORT = "confusion-matrix-png";

    /** Optional record fields naming the CNN model and layer the features came from (ExtractImageFeatures writes them). */

    public static final PropertyDescriptor RECORD_READER = new PropertyDescriptor.Builder()
            .name("Record Reader")
            .description("Reads the labelled feature records")
            .identifiesControllerService(RecordReaderFactory.class)
            .required(true)
            .build();

    public static final PropertyDescriptor FEATURE_FIELD = new PropertyDescriptor.Builder()
            .name("Feature Field")
            .description("Record field holding the feature vector (an array of numbers); every record's vector must have the same length")
            .required(true)
            .defaultValue("features")
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();

    public static final PropertyDescriptor LABEL_FIELD = new PropertyDescriptor.Builder()
            .name("Label Field")
            .description("Record field holding the class label (text); every record needs one")
            .required(true)
            .defaultValue("label")
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();

    public static final PropertyDescriptor CANDIDATES = new PropertyDescriptor.Builder()
            .name("Candidate Classifiers")
            .description("Which classifiers to train and compare on the validation split")
            .required(true)
            .allowableValues(CandidateClassifiers.class)
            .defaultValue(CandidateClassifiers.ALL)
            .build();

    public static final PropertyDescriptor SELECTION_METRIC = new PropertyDescriptor.Builder()
            .name("Selection Metric")
            .description("The validation score that picks the winning candidate (ties go to the softmax regression)")
            .required(true)
            .allowableValues(ModelSelectionMetric.class)
            .defaultValue(ModelSelectionMetric.ACCURACY)
            .build();

    public static final PropertyDescriptor HIDDEN_LAYER_SIZES = new PropertyDescriptor.Builder()
            .name("Hidden Layer Sizes")
            .description("Units of each hidden ReLU layer of the multilayer perceptron, comma-separated (for example 512,128)")
            .required(true)
            .defaultValue("256")
            .addValidator(StandardValidators.createListValidator(true, false, StandardValidators.POSITIVE_INTEGER_VALIDATOR))
            .build();

    public static final PropertyDescriptor DROPOUT_RATE = new PropertyDescriptor.Builder()
            .name("Dropout Rate")
            .description("Probability of dropping each hidden unit while training the multilayer perceptron; 0 turns dropout off")
            .required(true)
            .defaultValue("0.2")
            .addValidator(new DoubleRangeValidator(0, true, 1, false))
            .build();

    public static final PropertyDescriptor L2_REGULARIZATION = new PropertyDescriptor.Builder()
            .name("L2 Regularization")
            .description("L2 penalty on the weights of every candidate (0 turns it off)")
            .required(true)
            .defaultValue("0.0001")
            .addValidator(new DoubleRangeValidator(0, true, 1, true))
            .build();

    public static final PropertyDescriptor LEARNING_RATE = new PropertyDescriptor.Builder()
            .name("Learning Rate")
            .description("Initial Adam learning rate; it is halved after every epoch that does not lower the validation loss")
            .required(true)
            .defaultValue("0.001")
            .addValidator(new DoubleRangeValidator(0, false, 1, true))
            .build();

    public static final PropertyDescriptor MAXIMUM_EPOCHS = new PropertyDescriptor.Builder()
            .name("Maximum Epochs")
            .description("Most passes over the training records per candidate")
            .required(true)
            .defaultValue("50")
            .addValidator(StandardValidators.createLongValidator(1, 10_000, true))
            .build();

    public static final PropertyDescriptor EARLY_STOPPING_PATIENCE = new PropertyDescriptor.Builder()
            .name("Early Stopping Patience")
            .description("Epochs without a lower validation loss after which training stops; the parameters of the best epoch are kept")
            .required(true)
            .defaultValue("5")
            .addValidator(StandardValidators.createLongValidator(1, 1_000, true))
            .build();

    public static final PropertyDescriptor BATCH_SIZE = new PropertyDescriptor.Builder()
            .name("Batch Size")
            .description("Training records per gradient step")
            .required(true)
            .defaultValue("256")
            .addValidator(StandardValidators.createLongValidator(1, 65_536, true))
            .build();

    public static final PropertyDescriptor VALIDATION_FRACTION = new PropertyDescriptor.Builder()
            .name("Validation Fraction")
            .description("Share of each class held out (stratified) for early stopping, model selection and the report; "
                    + "every class keeps at least one record on each side, so each class needs at least two records")
            .required(true)
            .defaultValue("0.1")
            .addValidator(new DoubleRangeValidator(0, false, 0.9, true))
            .build();

    public static final PropertyDescriptor RANDOM_SEED = new PropertyDescriptor.Builder()
            .name("Random Seed")
            .description("Seeds the validation split, the shuffling, weight initialisation and dropout: the same records, properties and seed "
                    + "give the same model and scores")
            .required(true)
            .defaultValue("42")
            .addValidator(StandardValidators.LONG_VALIDATOR)
            .build();

    public static final PropertyDescriptor MAXIMUM_MATRIX_SIZE = new PropertyDescriptor.Builder()
            .name("Maximum Training Matrix Size")
            .description("Largest feature matrix to hold in memory, counted as records x features x 4 bytes + records x 4 bytes; "
                    + "a FlowFile with more goes to failure instead of exhausting the heap. Reading may briefly need 2.5 times "
                    + "this while the array grows, so keep it well under the JVM's -Xmx.")
            .required(true)
            .defaultValue("2 GB")
            .addValidator(StandardValidators.DATA_SIZE_VALIDATOR)
            .build();

    public static final PropertyDescriptor TRAINING_SET_ID = new PropertyDescriptor.Builder()
            .name("Training Set Id")
            .description("Which training set a FlowFile's records belong to; records of one id are gathered together and trained on once. "
                    + "The default is the dataset listing's id that ListImageDataset writes and ExtractImageFeatures' record FlowFiles keep. "
                    + "Blank: all FlowFiles that announce a Training Set Size belong to one set")
            .required(false)
            .defaultValue("${" + CnnAttributes.DATASET_ID + "}")
            .expressionLanguageSupported(ExpressionLanguageScope.FLOWFILE_ATTRIBUTES)
            .addValidator(StandardValidators.ATTRIBUTE_EXPRESSION_LANGUAGE_VALIDATOR)
            .build();

    public static final PropertyDescriptor TRAINING_SET_SIZE = new PropertyDescriptor.Builder()
            .name("Training Set Size")
            .description("How many images the training set has. Records are gathered (on disk, under Training Set Store Directory) until "
                    + "that many images have arrived, as feature records or as failed images, and then one classifier is trained on all of "
                    + "them. The default is the size ListImageDataset writes. When it evaluates to nothing, the FlowFile is a whole training "
                    + "set by itself (for example the output of MergeRecord) and is trained on at once")
            .required(false)
            .defaultValue("${" + CnnAttributes.DATASET_SIZE + "}")
            .expressionLanguageSupported(ExpressionLanguageScope.FLOWFILE_ATTRIBUTES)
            .addValidator(StandardValidators.ATTRIBUTE_EXPRESSION_LANGUAGE_VALIDATOR)
            .build();

    public static final PropertyDescriptor STORE_DIRECTORY = new PropertyDescriptor.Builder()
            .name("Training Set Store Directory")
            .description("Folder where the records of training sets still incomplete are kept, one file per set, durable before their "
                    + "FlowFiles are acknowledged, so that a restart loses nothing and counts nothing twice. A relative path is resolved "
                    + "against NiFi's working folder. Needs records x features x 4 bytes of disk per set while it is gathered")
            .required(true)
            .defaultValue("./work/nifi-cnn/training-sets")
            .expressionLanguageSupported(ExpressionLanguageScope.ENVIRONMENT)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();

    public static final PropertyDescriptor INCOMPLETE_SET_TIMEOUT = new PropertyDescriptor.Builder()
            .name("Incomplete Set Timeout")
            .description("Optional fallback: when a training set has received nothing for this long and is still incomplete, train on what "
                    + "it has. Such a model says so loudly (cnn.training.complete = false, a WARNING bulletin, the report's trainingSet), "
                    + "with how many of how many images it had. Unset (the default): an incomplete set waits, however long")
            .required(false)
            .addValidator(StandardValidators.TIME_PERIOD_VALIDATOR)
            .build();

    public static final PropertyDescriptor OUTPUT_NAME = new PropertyDescriptor.Builder()
            .name("Output Name")
            .description("Base file name of the artifact and reports of a gathered training set: <name>.classifier.zip, "
                    + "<name>.evaluation.json, <name>.confusion-matrix.png. (A FlowFile trained on by itself keeps its own file name.)")
            .required(true)
            .defaultValue("image-classifier")
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();

    public static final Relationship REL_MODEL = new Relationship.Builder()
            .name("model")
            .description("The trained model artifact: one zip file with the DL4J network, its normaliser and JSON metadata")
            .build();

    public static final Relationship REL_REPORT = new Relationship.Builder()
            .name("report")
            .description("Two FlowFiles per training: the JSON evaluation report and a PNG picture of the confusion matrix")
            .build();

    public static final Relationship REL_ORIGINAL = new Relationship.Builder()
            .name("original")
            .description("Each input once it is gathered into its training set (or, for a FlowFile trained on by itself, trained on); "
                    + "failed images counted for their set come here too")
            .build();

    public static final Relationship REL_FAILURE = new Relationship.Builder()
            .name("failure")
            .description("Input whose records cannot be read or do not fit its set (its images then count as failed in the set), and, "
                    + "for each training run that failed, a JSON FlowFile saying why with the set's counts; the reason is in cnn.error")
            .build();

    private static final List<PropertyDescriptor> PROPERTY_DESCRIPTORS = List.of(RECORD_READER, FEATURE_FIELD, LABEL_FIELD, TRAINING_SET_ID, TRAINING_SET_SIZE,
            STORE_DIRECTORY, INCOMPLETE_SET_TIMEOUT, OUTPUT_NAME, CANDIDATES, SELECTION_METRIC, HIDDEN_LAYER_SIZES, DROPOUT_RATE, L2_REGULARIZATION,
            LEARNING_RATE, MAXIMUM_EPOCHS, EARLY_STOPPING_PATIENCE, BATCH_SIZE, VALIDATION_FRACTION, RANDOM_SEED, MAXIMUM_MATRIX_SIZE);

    private static final Set<Relationship> RELATIONSHIPS = Set.of(REL_MODEL, REL_REPORT, REL_ORIGINAL, REL_FAILURE);

    /** FlowFiles gathered per trigger: a few seconds of feature records at most, so timeouts and training are checked often. */
    private static final int GATHER_BATCH = 64;

    private final Map<String, TrainingSetStore> stores = new LinkedHashMap<>();
    private Path storeRoot;

    @Override
    protected List<PropertyDescriptor> getSupportedPropertyDescriptors() {
        return PROPERTY_DESCRIPTORS;
    }

    @Override
    public Set<Relationship> getRelationships() {
        return RELATIONSHIPS;
    }

    @OnScheduled
    public void onScheduled(final ProcessContext context) throws IOException {
        storeRoot = Path.of(context.getProperty(STORE_DIRECTORY).evaluateAttributeExpressions().getValue()).toAbsolutePath().normalize();
        final long maximumBytes = context.getProperty(MAXIMUM_MATRIX_SIZE).asDataSize(DataUnit.B).longValue();
        stores.clear();
        // Sets gathered before a restart (or a stop) go on where they were.
        for (final String setId : TrainingSetStore.existingSets(storeRoot)) {
            final TrainingSetStore store = TrainingSetStore.open(storeRoot, setId, maximumBytes);
            stores.put(setId, store);
            getLogger().info("Training set {} resumed from {}: {} records and {} failed images of {} gathered", setId, storeRoot,
                    store.records(), store.failedInputs(), store.expectedInputs());
        }
    }

    @OnStopped
    public void onStopped() {
        stores.clear();
    }

    @Override
    public void onTrigger(final ProcessContext context, final ProcessSession session) {
        final List<FlowFile> flowFiles = session.get(GATHER_BATCH);
        for (final FlowFile flowFile : flowFiles) {
            final String size = context.getProperty(TRAINING_SET_SIZE).evaluateAttributeExpressions(flowFile).getValue();
            if (size == null || size.isBlank()) {
                trainWholeFlowFile(context, session, flowFile);
            } else {
                gather(context, session, flowFile, size.trim());
            }
        }
        boolean trained = false;
        for (final TrainingSetStore store : List.copyOf(stores.values())) {
            final String trigger = readyTrigger(context, store);
            if (trigger != null) {
                if (!trained) {
                    // The gathered FlowFiles are durable in the store: acknowledge them before a training run of minutes.
                    session.commitAsync();
                }
                trainGatheredSet(context, session, store, trigger);
                trained = true;
            }
        }
        if (flowFiles.isEmpty() && !trained) {
            context.yield();
        }
    }

    /** Returns why the set should be trained now, or null while it waits. */
    private String readyTrigger(final ProcessContext context, final TrainingSetStore store) {
        if (store.complete()) {
            return TrainingSetCompleteness.TRIGGER_COUNT_REACHED;
        }
        if (context.getProperty(INCOMPLETE_SET_TIMEOUT).isSet() && store.records() + store.failedInputs() > 0) {
            final long timeoutMillis = context.getProperty(INCOMPLETE_SET_TIMEOUT).asTimePeriod(TimeUnit.MILLISECONDS);
            if (System.currentTimeMillis() - store.lastAppendMillis() >= timeoutMillis) {
                return TrainingSetCompleteness.TRIGGER_TIMEOUT;
            }
        }
        return null;
    }

    /** Adds one FlowFile's records (or, for a failed image, its count) to its training set's store. */
    private void gather(final ProcessContext context, final ProcessSession session, final FlowFile flowFile, final String size) {
        final long announcedSize;
        try {
            announcedSize = Long.parseLong(size);
            if (announcedSize < 1) {
                throw new NumberFormatException();
            }
        } catch (final NumberFormatException e) {
            fail(session, flowFile, "Training Set Size '" + size + "' is not a positive whole number");
            return;
        }
        final String givenSetId = Objects.requireNonNullElse(context.getProperty(TRAINING_SET_ID).evaluateAttributeExpressions(flowFile).getValue(), "").trim();
        // Without an id, every FlowFile that announces a size belongs to one set.
        final String setId = givenSetId.isEmpty() ? "default" : givenSetId;
        final TrainingSetStore store;
        try {
            store = storeOf(context, setId);
        } catch (final IOException e) {
            // The store's disk is a fault of this node, not of the input: keep the FlowFile for later.
            getLogger().error("Training set store {} cannot be opened; FlowFiles stay queued: {}", storeRoot, e.getMessage(), e);
            session.rollback();
            context.yield();
            return;
        }
        final String inputId = flowFile.getAttribute(CoreAttributes.UUID.key());
        if (store.contains(inputId)) {
            // Gathered before a restart, acknowledged after it: counted once.
            session.transfer(flowFile, REL_ORIGINAL);
            return;
        }
        final String upstreamError = FailedImages.reason(flowFile);
        try {
            if (upstreamError != null) {
                try (TrainingSetStore.Block block = store.begin(inputId, announcedSize, FailedImages.count(flowFile), FeatureSource.UNKNOWN)) {
                    block.commit();
                }
                session.adjustCounter("Failed images counted", FailedImages.count(flowFile), false);
                session.getProvenanceReporter().route(flowFile, REL_ORIGINAL, "Counted as a failed image of training set " + setId + ": " + upstreamError);
                session.transfer(flowFile, REL_ORIGINAL);
                return;
            }
            final long before = store.records();
            final String refusal = gatherRecords(context, session, flowFile, store, announcedSize);
            if (refusal != null) {
                try (TrainingSetStore.Block block = store.begin(inputId, announcedSize, FailedImages.count(flowFile), FeatureSource.UNKNOWN)) {
                    block.commit();
                }
                fail(session, flowFile, refusal + " (its " + FailedImages.count(flowFile) + " images count as failed in training set " + setId + ")");
                return;
            }
            session.adjustCounter("Training records gathered", store.records() - before, false);
            session.getProvenanceReporter().route(flowFile, REL_ORIGINAL, "Gathered " + (store.records() - before) + " records into training set " + setId
                    + ": " + store.records() + " records and " + store.failedInputs() + " failed images of " + store.expectedInputs());
            session.transfer(flowFile, REL_ORIGINAL);
        } catch (final IOException e) {
            getLogger().error("Training set store {} cannot be written; FlowFiles stay queued: {}", storeRoot, e.getMessage(), e);
            session.rollback();
            context.yield();
        }
    }

    /** Streams the FlowFile's records into a block of the store; returns why they were refused, or null when they were gathered. */
    private String gatherRecords(final ProcessContext context, final ProcessSession session, final FlowFile flowFile, final TrainingSetStore store,
                                 final long announcedSize) throws IOException {
        final RecordReaderFactory readerFactory = context.getProperty(RECORD_READER).asControllerService(RecordReaderFactory.class);
        final String featureField = context.getProperty(FEATURE_FIELD).getValue();
        final String labelField = context.getProperty(LABEL_FIELD).getValue();
        final String inputId = flowFile.getAttribute(CoreAttributes.UUID.key());
        TrainingSetStore.Block block = null;
        try (InputStream in = session.read(flowFile); RecordReader reader = readerFactory.createRecordReader(flowFile, in, getLogger())) {
            Record record;
            long recordNumber = 0;
            String model = null;
            String layer = null;
            while ((record = reader.nextRecord()) != null) {
                recordNumber++;
                model = sameSource(model, record, RecordFields.MODEL, recordNumber);
                layer = sameSource(layer, record, RecordFields.LAYER, recordNumber);
                if (block == null) {
                    final FeatureSource source = new FeatureSource(model, layer);
                    final FeatureSource setSource = store.source();
                    checkSameSource(setSource.model(), model, RecordFields.MODEL, store.setId());
                    checkSameSource(setSource.layer(), layer, RecordFields.LAYER, store.setId());
                    block = store.begin(inputId, announcedSize, 0, source);
                }
                final String label = record.getAsString(labelField);
                if (label == null || label.isBlank()) {
                    throw new ClassifierInputException("Record " + recordNumber + " has no value in label field '" + labelField + "'");
                }
                block.add(label, record.getValue(featureField), recordNumber);
            }
            if (block == null) {
                return "The FlowFile holds no records";
            }
            block.commit();
            return null;
        } catch (final ClassifierInputException | MalformedRecordException | SchemaNotFoundException | RuntimeException e) {
            return e instanceof ClassifierInputException ? e.getMessage()
                    : "Records cannot be read: " + Objects.requireNonNullElse(e.getMessage(), e.getClass().getSimpleName());
        } finally {
            if (block != null) {
                block.abandon();
            }
        }
    }

    private static void checkSameSource(final String setValue, final String value, final String field, final String setId) throws ClassifierInputException {
        if (setValue != null && value != null && !setValue.equals(value)) {
            throw new ClassifierInputException("Records have " + field + " '" + value + "' but training set " + setId + " has '" + setValue
                    + "': features from different models or layers cannot be trained on together");
        }
    }

    private TrainingSetStore storeOf(final ProcessContext context, final String setId) throws IOException {
        TrainingSetStore store = stores.get(setId);
        if (store == null) {
            store = TrainingSetStore.open(storeRoot, setId, context.getProperty(MAXIMUM_MATRIX_SIZE).asDataSize(DataUnit.B).longValue());
            stores.put(setId, store);
            getLogger().info("Gathering training set {} in {}", setId, storeRoot);
        }
        return store;
    }

    /** Trains one classifier on a whole gathered set; the store is deleted once the outputs are committed. */
    private void trainGatheredSet(final ProcessContext context, final ProcessSession session, final TrainingSetStore store, final String trigger) {
        stores.remove(store.setId());
        final TrainingSetCompleteness completeness = store.completeness(trigger);
        final String baseName = context.getProperty(OUTPUT_NAME).getValue();
        if (!completeness.complete()) {
            getLogger().warn("Training set {} is INCOMPLETE: nothing arrived for {}, so the classifier is trained on {} records ({} images failed) of "
                    + "{} announced; {} images never arrived", store.setId(), context.getProperty(INCOMPLETE_SET_TIMEOUT).getValue(), completeness.records(),
                    completeness.failedInputs(), completeness.expectedInputs(), completeness.missingInputs());
        } else if (completeness.failedInputs() > 0) {
            getLogger().warn("Training set {}: {} of its {} images failed upstream; training on the {} records of the others", store.setId(),
                    completeness.failedInputs(), completeness.expectedInputs(), completeness.records());
        }
        final long started = System.nanoTime();
        final Map<String, String> setAttributes = TrainingSetAttributes.of(completeness, store.classCounts());
        try {
            final FeatureMatrix matrix = store.load();
            final TrainedClassifier trained = ClassifierTrainer.train(matrix, settings(context), store.source(), completeness, epochLogger(store.setId()));
            final List<FlowFile> outputs = TrainingOutputs.write(session, null, trained, baseName, setAttributes);
            final long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
            for (final FlowFile output : outputs) {
                session.getProvenanceReporter().create(output, "Trained " + trained.metadata().selectedClassifier() + " on training set " + store.setId()
                        + ": " + completeness.records() + " records, " + completeness.failedInputs() + " failed images, " + completeness.expectedInputs()
                        + " announced, complete " + completeness.complete());
            }
            TrainingOutputs.transfer(session, outputs, REL_MODEL, REL_REPORT);
            session.adjustCounter("Classifiers trained", 1, false);
            getLogger().info("Trained {} on training set {} ({} records of {} features, {} failed images, complete {}) in {} ms: validation accuracy {}",
                    trained.metadata().selectedClassifier(), store.setId(), matrix.rows(), matrix.columns(), completeness.failedInputs(),
                    completeness.complete(), elapsedMillis, format(trained.validation().accuracy()));
        } catch (final ClassifierInputException | IOException | RuntimeException e) {
            final String reason = e instanceof ClassifierInputException ? e.getMessage()
                    : "Training failed: " + Objects.requireNonNullElse(e.getMessage(), e.getClass().getSimpleName());
            getLogger().error("Could not train a classifier on training set {}: {}", store.setId(), reason, e);
            session.adjustCounter("Training runs failed", 1, false);
            FlowFile failure = session.create();
            final Map<String, String> attributes = new HashMap<>(setAttributes);
            attributes.put(CnnAttributes.ERROR, reason);
            attributes.put(CoreAttributes.FILENAME.key(), baseName + ".training-failure.json");
            attributes.put(CoreAttributes.MIME_TYPE.key(), "application/json");
            final byte[] content = TrainingSetAttributes.failureJson(completeness, store.classCounts(), reason);
            failure = session.write(failure, output -> output.write(content));
            failure = session.putAllAttributes(failure, attributes);
            session.getProvenanceReporter().create(failure, "Training on set " + store.setId() + " failed: " + reason);
            session.transfer(failure, REL_FAILURE);
        }
        session.commitAsync(() -> {
            try {
                store.delete();
            } catch (final IOException e) {
                getLogger().warn("Could not delete the store of trained set {}: {}", store.setId(), e.getMessage());
            }
        }, failure -> getLogger().error("The outputs of training set {} could not be committed; the set is trained again", store.setId(), failure));
    }

    private EpochListener epochLogger(final String setId) {
        return (final ClassifierKind kind, final int epoch, final int maximumEpochs, final double loss, final double accuracy) ->
                getLogger().info("Training set {}: {} epoch {} of at most {}: validation accuracy {}, loss {}", setId, kind.id(), epoch, maximumEpochs,
                        format(accuracy), format(loss));
    }

    /** Trains on one FlowFile that holds a whole training set (the behaviour without a Training Set Size). */
    private void trainWholeFlowFile(final ProcessContext context, final ProcessSession session, FlowFile flowFile) {
        final long started = System.nanoTime();
        try {
            final TrainingInput input = readRecords(context, session, flowFile);
            final TrainedClassifier trained = ClassifierTrainer.train(input.matrix(), settings(context), input.source(),
                    TrainingSetCompleteness.singleFlowFile(input.matrix().rows()), EpochListener.NONE);
            final TrainingSetCompleteness completeness = trained.metadata().trainingSet();
            final Map<String, String> setAttributes = TrainingSetAttributes.of(completeness, trained.metadata().classRecordCounts());
            final List<FlowFile> outputs = TrainingOutputs.write(session, flowFile, trained, baseName(flowFile), setAttributes);
            flowFile = session.putAllAttributes(flowFile, TrainingOutputs.summary(trained, setAttributes));
            final long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
            session.getProvenanceReporter().fork(flowFile, outputs, "Trained " + trained.metadata().selectedClassifier()
                    + " on " + input.matrix().rows() + " records, validation accuracy " + format(trained.validation().accuracy()), elapsedMillis);
            TrainingOutputs.transfer(session, outputs, REL_MODEL, REL_REPORT);
            session.transfer(flowFile, REL_ORIGINAL);
            getLogger().info("Trained {} on {} records of {} features in {} ms: validation accuracy {}", trained.metadata().selectedClassifier(),
                    input.matrix().rows(), input.matrix().columns(), elapsedMillis, format(trained.validation().accuracy()));
        } catch (final ClassifierInputException | MalformedRecordException | SchemaNotFoundException | IOException | RuntimeException e) {
            final String reason = e instanceof ClassifierInputException ? e.getMessage()
                    : "Training failed: " + Objects.requireNonNullElse(e.getMessage(), e.getClass().getSimpleName());
            getLogger().error("Could not train a classifier on {}: {}", flowFile, reason, e);
            fail(session, flowFile, reason);
        }
    }

    private void fail(final ProcessSession session, final FlowFile flowFile, final String reason) {
        getLogger().error("{} goes to failure: {}", flowFile, reason);
        session.transfer(session.putAttribute(flowFile, CnnAttributes.ERROR, reason), REL_FAILURE);
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
                model = sameSource(model, record, RecordFields.MODEL, recordNumber);
                layer = sameSource(layer, record, RecordFields.LAYER, recordNumber);
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

    private static String baseName(final FlowFile flowFile) {
        final String filename = Objects.requireNonNullElse(flowFile.getAttribute(CoreAttributes.FILENAME.key()), "classifier");
        final int dot = filename.lastIndexOf('.');
        return dot > 0 ? filename.substring(0, dot) : filename;
    }

    static String format(final double value) {
        return String.format(Locale.ROOT, "%.4f", value);
    }
}

package dev.nificnn.processors;

import dev.nificnn.classifier.ClassifierInputException;
import dev.nificnn.classifier.ClassifierModel;
import dev.nificnn.classifier.FeatureValues;
import dev.nificnn.onnx.ModelUnavailableException;
import dev.nificnn.review.ReviewRule;
import dev.nificnn.services.ImageClassifierProvider;
import org.apache.nifi.annotation.behavior.InputRequirement;
import org.apache.nifi.annotation.behavior.SupportsBatching;
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
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.processor.exception.ProcessException;
import org.apache.nifi.processor.io.StreamCallback;
import org.apache.nifi.processor.util.StandardValidators;
import org.apache.nifi.schema.access.SchemaNotFoundException;
import org.apache.nifi.serialization.RecordReader;
import org.apache.nifi.serialization.RecordReaderFactory;
import org.apache.nifi.serialization.RecordSetWriter;
import org.apache.nifi.serialization.RecordSetWriterFactory;
import org.apache.nifi.serialization.SimpleRecordSchema;
import org.apache.nifi.serialization.WriteResult;
import org.apache.nifi.serialization.record.MapRecord;
import org.apache.nifi.serialization.record.Record;
import org.apache.nifi.serialization.record.RecordField;
import org.apache.nifi.serialization.record.RecordFieldType;
import org.apache.nifi.serialization.record.RecordSchema;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** Adds the predicted label, its probability and the top K labels of a trained classifier to each feature record. */
@Tags({"cnn", "classifier", "scoring", "inference", "machine learning", "deeplearning4j", "features", "record"})
@CapabilityDescription("Scores feature records (for example those ExtractImageFeatures writes) with the classifier of a "
        + "ClassifierModelService and writes each record back with four more fields: 'predicted_label' (string), 'predicted_index' "
        + "(int), 'predicted_score' (double, the probability, six decimals) and 'top_k' (array of records {label: string, index: int, "
        + "score: double}, most probable first), the names ClassifyImage's JSON uses. Records are scored in batches as one matrix "
        + "operation. A FlowFile holding exactly one record also gets the cnn.label, cnn.label.index and cnn.score attributes. A FlowFile with a record whose feature vector is missing, not finite or of another length than the model "
        + "takes goes to failure unchanged, with the reason in cnn.error.")
@InputRequirement(InputRequirement.Requirement.INPUT_REQUIRED)
@SupportsBatching
@WritesAttributes({
    @WritesAttribute(attribute = CnnAttributes.LABEL, description = "Predicted class name, when the FlowFile holds one record"),
    @WritesAttribute(attribute = CnnAttributes.LABEL_INDEX, description = "Its index in the classifier's classes, when the FlowFile holds one record"),
    @WritesAttribute(attribute = CnnAttributes.SCORE, description = "Its probability, six decimals, when the FlowFile holds one record"),
    @WritesAttribute(attribute = "record.count", description = "Number of records written"),
    @WritesAttribute(attribute = "mime.type", description = "The Record Writer's MIME type"),
    @WritesAttribute(attribute = CnnAttributes.ERROR, description = "Why the FlowFile went to failure"),
    @WritesAttribute(attribute = CnnAttributes.REVIEW_REASON, description = "On a review FlowFile (one record): why it needs review"),
    @WritesAttribute(attribute = CnnAttributes.REVIEW_MARGIN, description = "On a review FlowFile: top score minus the second, six decimals"),
    @WritesAttribute(attribute = "filename", description = "On a review FlowFile: the image's file name (the record's source field)"),
    @WritesAttribute(attribute = "absolute.path", description = "On a review FlowFile: the image's folder (the record's source_directory field),"
            + " so that FetchFile's default ${absolute.path}/${filename} fetches the image")
})
@UseCase(description = "Classify new images with a classifier trained inside the flow.",
        configuration = """
                Put ExtractImageFeatures (same model and layer as for training) before this processor.
                Set Classifier Model Service to a ClassifierModelService pointing at the artifact TrainImageClassifier wrote.
                Set Record Reader and Record Writer (for example JsonTreeReader and JsonRecordSetWriter); keep Feature Field 'features'.
                Route on cnn.label (RouteOnAttribute) for single-image FlowFiles, or on predicted_label (PartitionRecord) for record sets.
                """)
@UseCase(description = "Send the predictions the classifier is unsure of to a person, one image at a time, so that the next training run learns them.",
        keywords = {"review", "active learning", "human in the loop", "low confidence"},
        configuration = """
                Set Review Score Threshold (e.g. 0.6) and/or Review Margin (e.g. 0.2): a 'review' relationship appears.
                Connect 'review' to FetchFile (File to Fetch left at ${absolute.path}/${filename}: each review FlowFile names its image),
                then to PutFile with Directory <review folder>/${cnn.label}: one folder per predicted label.
                A person moves each reviewed image into its right class folder of the training tree; ListImageDataset lists the changed
                tree as a new dataset and TrainImageClassifier trains the next classifier on all of it.
                templates/review-low-confidence.json is this flow.
                """)
@SeeAlso({TrainImageClassifier.class})
public class ScoreImageClassifier extends AbstractProcessor {

    /** Records scored per matrix operation: large enough to amortise the native call, small enough to bound memory. */
    private static final int SCORING_BATCH_RECORDS = 1024;

    static final RecordSchema TOP_K_SCHEMA = new SimpleRecordSchema(List.of(
            new RecordField(RecordFields.LABEL, RecordFieldType.STRING.getDataType(), false),
            new RecordField(RecordFields.INDEX, RecordFieldType.INT.getDataType(), false),
            new RecordField(RecordFields.SCORE, RecordFieldType.DOUBLE.getDataType(), false)));
    private static final Set<String> PREDICTION_FIELDS = Set.of(RecordFields.PREDICTED_LABEL, RecordFields.PREDICTED_INDEX,
            RecordFields.PREDICTED_SCORE, RecordFields.TOP_K);

    public static final PropertyDescriptor RECORD_READER = new PropertyDescriptor.Builder()
            .name("Record Reader")
            .description("Reads the feature records")
            .identifiesControllerService(RecordReaderFactory.class)
            .required(true)
            .build();

    public static final PropertyDescriptor RECORD_WRITER = new PropertyDescriptor.Builder()
            .name("Record Writer")
            .description("Writes the scored records: the input fields plus predicted_label, predicted_index, predicted_score and top_k")
            .identifiesControllerService(RecordSetWriterFactory.class)
            .required(true)
            .build();

    public static final PropertyDescriptor CLASSIFIER_MODEL_SERVICE = new PropertyDescriptor.Builder()
            .name("Classifier Model Service")
            .description("Provides the trained classifier")
            .identifiesControllerService(ImageClassifierProvider.class)
            .required(true)
            .build();

    public static final PropertyDescriptor FEATURE_FIELD = new PropertyDescriptor.Builder()
            .name("Feature Field")
            .description("Record field holding the feature vector (an array of numbers of the length the model takes)")
            .required(true)
            .defaultValue("features")
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();

    public static final PropertyDescriptor TOP_K = new PropertyDescriptor.Builder()
            .name("Top K")
            .description("How many of the most probable labels go into the top_k field (at most the number of classes)")
            .required(true)
            .defaultValue("5")
            .addValidator(StandardValidators.createLongValidator(1, 1000, true))
            .build();

    public static final Relationship REL_SUCCESS = new Relationship.Builder()
            .name("success")
            .description("FlowFiles whose records were all scored")
            .build();

    public static final Relationship REL_FAILURE = new Relationship.Builder()
            .name("failure")
            .description("FlowFiles that could not be scored, unchanged, with the reason in cnn.error")
            .build();

    public static final PropertyDescriptor REVIEW_SCORE_THRESHOLD = ReviewRouting.REVIEW_SCORE_THRESHOLD;
    public static final PropertyDescriptor REVIEW_MARGIN = ReviewRouting.REVIEW_MARGIN;
    public static final Relationship REL_REVIEW = ReviewRouting.REL_REVIEW;

    private static final List<PropertyDescriptor> PROPERTY_DESCRIPTORS = List.of(RECORD_READER, RECORD_WRITER, CLASSIFIER_MODEL_SERVICE, FEATURE_FIELD, TOP_K,
            REVIEW_SCORE_THRESHOLD, REVIEW_MARGIN);

    private final ReviewRouting reviewRouting = new ReviewRouting(Set.of(REL_SUCCESS, REL_FAILURE));

    @Override
    protected List<PropertyDescriptor> getSupportedPropertyDescriptors() {
        return PROPERTY_DESCRIPTORS;
    }

    @Override
    public Set<Relationship> getRelationships() {
        return reviewRouting.relationships();
    }

    @Override
    public void onPropertyModified(final PropertyDescriptor descriptor, final String oldValue, final String newValue) {
        reviewRouting.onPropertyModified(descriptor, newValue);
    }

    /** Returns the output schema: the input's fields with the four prediction fields added (replacing any of the same name). */
    static RecordSchema outputSchema(final RecordSchema inputSchema) {
        final List<RecordField> fields = new ArrayList<>();
        for (final RecordField field : inputSchema.getFields()) {
            final String name = field.getFieldName();
            if (!PREDICTION_FIELDS.contains(name)) {
                fields.add(field);
            }
        }
        fields.add(new RecordField(RecordFields.PREDICTED_LABEL, RecordFieldType.STRING.getDataType()));
        fields.add(new RecordField(RecordFields.PREDICTED_INDEX, RecordFieldType.INT.getDataType()));
        fields.add(new RecordField(RecordFields.PREDICTED_SCORE, RecordFieldType.DOUBLE.getDataType()));
        fields.add(new RecordField(RecordFields.TOP_K, RecordFieldType.ARRAY.getArrayDataType(RecordFieldType.RECORD.getRecordDataType(TOP_K_SCHEMA))));
        return new SimpleRecordSchema(fields);
    }

    /** The schema of a review record: the scored record's fields and why it needs review. */
    static RecordSchema reviewSchema(final RecordSchema scoredSchema) {
        final List<RecordField> fields = new ArrayList<>(scoredSchema.getFields());
        fields.add(new RecordField(RecordFields.REVIEW_REASON, RecordFieldType.STRING.getDataType()));
        return new SimpleRecordSchema(fields);
    }

    @Override
    public void onTrigger(final ProcessContext context, final ProcessSession session) {
        FlowFile flowFile = session.get();
        if (flowFile == null) {
            return;
        }
        final long started = System.nanoTime();
        // One model for the whole FlowFile, even if the service swaps in a newer artifact meanwhile.
        final ClassifierModel model;
        try {
            model = context.getProperty(CLASSIFIER_MODEL_SERVICE).asControllerService(ImageClassifierProvider.class).getClassifier();
        } catch (final ModelUnavailableException e) {
            // The service is being disabled: nothing is wrong with the records, so they wait in the queue.
            getLogger().warn("{} returned to the queue: {}", flowFile, e.getMessage());
            session.rollback();
            context.yield();
            return;
        }
        try {
            final Map<String, String> attributes = new HashMap<>();
            final List<ReviewItem> reviews = new ArrayList<>();
            flowFile = session.write(flowFile, scoreRecords(context, flowFile, model, attributes, reviews));
            final int scored = Integer.parseInt(attributes.get("record.count"));
            for (final ReviewItem review : reviews) {
                FlowFile reviewFlowFile = session.create(flowFile);
                reviewFlowFile = session.write(reviewFlowFile, out -> out.write(review.content()));
                reviewFlowFile = session.putAllAttributes(reviewFlowFile, review.attributes());
                session.transfer(reviewFlowFile, REL_REVIEW);
            }
            session.adjustCounter("Records scored", scored + reviews.size(), false);
            if (!reviews.isEmpty()) {
                session.adjustCounter("Records sent to review", reviews.size(), false);
            }
            if (scored == 0 && !reviews.isEmpty()) {
                // Every record went to review, each in a FlowFile of its own: an empty record set would only be noise downstream.
                session.remove(flowFile);
                return;
            }
            flowFile = session.putAllAttributes(flowFile, attributes);
            session.getProvenanceReporter().modifyContent(flowFile, "Scored " + (scored + reviews.size()) + " records with "
                    + model.metadata().selectedClassifier() + (reviews.isEmpty() ? "" : "; " + reviews.size() + " sent to review"),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            session.transfer(flowFile, REL_SUCCESS);
        } catch (final ProcessException | IllegalStateException e) {
            final String reason = e.getCause() instanceof ClassifierInputException ? e.getCause().getMessage()
                    : Objects.requireNonNullElse(e.getMessage(), e.getClass().getSimpleName());
            getLogger().error("Could not score {}: {}", flowFile, reason, e);
            flowFile = session.putAttribute(flowFile, CnnAttributes.ERROR, reason);
            session.transfer(flowFile, REL_FAILURE);
        }
    }

    /** Writes the FlowFile's records scored; puts the writer's attributes, and a single record's prediction, in {@code attributes}. */
    private StreamCallback scoreRecords(final ProcessContext context, final FlowFile flowFile, final ClassifierModel model,
                                        final Map<String, String> attributes, final List<ReviewItem> reviews) {
        final RecordReaderFactory readerFactory = context.getProperty(RECORD_READER).asControllerService(RecordReaderFactory.class);
        final RecordSetWriterFactory writerFactory = context.getProperty(RECORD_WRITER).asControllerService(RecordSetWriterFactory.class);
        final String featureField = context.getProperty(FEATURE_FIELD).getValue();
        final int topK = context.getProperty(TOP_K).asInteger();
        final ReviewRule reviewRule = ReviewRouting.rule(context);
        final Map<String, String> originalAttributes = flowFile.getAttributes();
        final long inputSize = flowFile.getSize();
        return (in, out) -> {
            try (RecordReader reader = readerFactory.createRecordReader(originalAttributes, in, inputSize, getLogger())) {
                final RecordSchema outputSchema = outputSchema(reader.getSchema());
                final RecordSchema writeSchema = writerFactory.getSchema(originalAttributes, outputSchema);
                try (RecordSetWriter writer = writerFactory.createWriter(getLogger(), writeSchema, out, originalAttributes)) {
                    writer.beginRecordSet();
                    final ReviewWriter reviewWriter = reviewRule.enabled()
                            ? new ReviewWriter(writerFactory, reviewSchema(outputSchema), originalAttributes, reviews) : null;
                    final BatchScorer scorer = new BatchScorer(model, outputSchema, topK, writer, reviewRule, reviewWriter);
                    Record record;
                    while ((record = reader.nextRecord()) != null) {
                        scorer.add(record, featureField);
                    }
                    scorer.flush();
                    final WriteResult result = writer.finishRecordSet();
                    attributes.putAll(result.getAttributes());
                    attributes.put("record.count", Integer.toString(result.getRecordCount()));
                    attributes.put(CoreAttributes.MIME_TYPE.key(), writer.getMimeType());
                    if (result.getRecordCount() == 1 && reviews.isEmpty()) {
                        attributes.put(CnnAttributes.LABEL, scorer.lastLabel);
                        attributes.put(CnnAttributes.LABEL_INDEX, Integer.toString(scorer.lastIndex));
                        attributes.put(CnnAttributes.SCORE, CnnAttributes.score(scorer.lastScore));
                    }
                }
            } catch (final ClassifierInputException e) {
                throw new ProcessException(e.getMessage(), e);
            } catch (final ProcessException e) {
                throw e;
            } catch (final Exception e) {
                throw new ProcessException("Records could not be read or written: " + e.getMessage(), e);
            }
        };
    }

    /** Collects records and their feature vectors, scores them a batch at a time and writes them with their predictions. */
    private static final class BatchScorer {

        private final ClassifierModel model;
        private final RecordSchema outputSchema;
        private final int topK;
        private final RecordSetWriter writer;
        private final ReviewRule reviewRule;
        private final ReviewWriter reviewWriter;
        private final int featureLength;
        private final float[] features;
        private final List<Record> records = new ArrayList<>(SCORING_BATCH_RECORDS);
        private long recordNumber;
        private String lastLabel;
        private int lastIndex;
        private double lastScore;

        BatchScorer(final ClassifierModel model, final RecordSchema outputSchema, final int topK, final RecordSetWriter writer,
                    final ReviewRule reviewRule, final ReviewWriter reviewWriter) {
            this.model = model;
            this.outputSchema = outputSchema;
            this.topK = topK;
            this.writer = writer;
            this.reviewRule = reviewRule;
            this.reviewWriter = reviewWriter;
            this.featureLength = model.featureLength();
            this.features = new float[SCORING_BATCH_RECORDS * featureLength];
        }

        void add(final Record record, final String featureField) throws ClassifierInputException, IOException {
            recordNumber++;
            final Object value = record.getValue(featureField);
            if (value == null) {
                throw new ClassifierInputException("Record " + recordNumber + " has no value in feature field '" + featureField + "'");
            }
            final int length = FeatureValues.length(value, recordNumber);
            if (length < 0) {
                throw new ClassifierInputException("Record " + recordNumber + ": feature field '" + featureField + "' is not an array of numbers");
            }
            if (length != featureLength) {
                throw new ClassifierInputException("Record " + recordNumber + " has " + length + " features but the classifier takes "
                        + featureLength + ": were the features extracted with another model or layer than the training features?");
            }
            FeatureValues.copy(value, features, records.size() * featureLength, recordNumber);
            records.add(record);
            if (records.size() == SCORING_BATCH_RECORDS) {
                flush();
            }
        }

        void flush() throws IOException {
            if (records.isEmpty()) {
                return;
            }
            final List<String> labels = model.labels();
            final int classCount = labels.size();
            final float[] probabilities = model.probabilities(features, records.size());
            for (int row = 0; row < records.size(); row++) {
                // At least two classes, for the margin between the top two, whatever Top K asks for.
                final int[] top = model.topClasses(probabilities, row, Math.max(topK, 2));
                final List<Record> topRecords = new ArrayList<>(topK);
                for (int rank = 0; rank < Math.min(topK, top.length); rank++) {
                    final int classIndex = top[rank];
                    final Map<String, Object> entry = new LinkedHashMap<>();
                    entry.put(RecordFields.LABEL, labels.get(classIndex));
                    entry.put(RecordFields.INDEX, classIndex);
                    entry.put(RecordFields.SCORE, CnnAttributes.roundedScore(probabilities[row * classCount + classIndex]));
                    topRecords.add(new MapRecord(TOP_K_SCHEMA, entry));
                }
                final Map<String, Object> values = new LinkedHashMap<>(records.get(row).toMap());
                lastLabel = labels.get(top[0]);
                lastIndex = top[0];
                lastScore = probabilities[row * classCount + top[0]];
                values.put(RecordFields.PREDICTED_LABEL, lastLabel);
                values.put(RecordFields.PREDICTED_INDEX, lastIndex);
                values.put(RecordFields.PREDICTED_SCORE, CnnAttributes.roundedScore(lastScore));
                values.put(RecordFields.TOP_K, topRecords.toArray());
                final double secondScore = top.length > 1 ? probabilities[row * classCount + top[1]] : Double.NaN;
                final String reviewReason = reviewWriter == null ? null : reviewRule.reason(lastScore, secondScore);
                if (reviewReason == null) {
                    writer.write(new MapRecord(outputSchema, values));
                } else {
                    reviewWriter.write(values, lastLabel, lastIndex, lastScore, ReviewRule.margin(lastScore, secondScore), reviewReason);
                }
            }
            records.clear();
        }
    }

    /** A record sent to review: its written content and the attributes of the FlowFile that will carry it alone. */
    private record ReviewItem(byte[] content, Map<String, String> attributes) {
    }

    /**
     * Writes each review record on its own with the Record Writer, into memory: a review record is one image (a few KB), and the
     * FlowFiles carrying them can only be created once the input's content stream is closed.
     */
    private final class ReviewWriter {

        private final RecordSetWriterFactory writerFactory;
        private final RecordSchema schema;
        private final Map<String, String> inputAttributes;
        private final List<ReviewItem> reviews;

        ReviewWriter(final RecordSetWriterFactory writerFactory, final RecordSchema schema, final Map<String, String> inputAttributes,
                     final List<ReviewItem> reviews) {
            this.writerFactory = writerFactory;
            this.schema = schema;
            this.inputAttributes = inputAttributes;
            this.reviews = reviews;
        }

        void write(final Map<String, Object> values, final String label, final int index, final double score, final double margin,
                   final String reason) throws IOException {
            values.put(RecordFields.REVIEW_REASON, reason);
            final ByteArrayOutputStream content = new ByteArrayOutputStream();
            final Map<String, String> attributes = new HashMap<>();
            try (RecordSetWriter writer = writerFactory.createWriter(getLogger(), writerFactory.getSchema(inputAttributes, schema), content, inputAttributes)) {
                writer.beginRecordSet();
                writer.write(new MapRecord(schema, values));
                final WriteResult result = writer.finishRecordSet();
                attributes.putAll(result.getAttributes());
                attributes.put(CoreAttributes.MIME_TYPE.key(), writer.getMimeType());
            } catch (final SchemaNotFoundException e) {
                throw new IOException("The review record's schema: " + e.getMessage(), e);
            }
            attributes.put("record.count", "1");
            attributes.put(CnnAttributes.LABEL, label);
            attributes.put(CnnAttributes.LABEL_INDEX, Integer.toString(index));
            attributes.put(CnnAttributes.SCORE, CnnAttributes.score(score));
            attributes.put(CnnAttributes.REVIEW_MARGIN, CnnAttributes.score(margin));
            attributes.put(CnnAttributes.REVIEW_REASON, reason);
            final Object source = values.get(RecordFields.SOURCE);
            attributes.put(CoreAttributes.FILENAME.key(), source == null ? inputAttributes.get(CoreAttributes.FILENAME.key()) + "-review-" + (reviews.size() + 1)
                    : source.toString());
            final Object directory = values.get(RecordFields.SOURCE_DIRECTORY);
            if (directory != null) {
                attributes.put(CoreAttributes.ABSOLUTE_PATH.key(), directory.toString());
            }
            reviews.add(new ReviewItem(content.toByteArray(), attributes));
        }
    }
}

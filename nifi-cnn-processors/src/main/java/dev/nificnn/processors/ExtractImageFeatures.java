package dev.nificnn.processors;

import dev.nificnn.image.ImageDecoder;
import dev.nificnn.onnx.FeaturePooling;
import dev.nificnn.onnx.OnnxModel;
import dev.nificnn.services.AllowableChoices;
import dev.nificnn.services.OnnxModelProvider;
import org.apache.nifi.annotation.behavior.InputRequirement;
import org.apache.nifi.annotation.behavior.ReadsAttribute;
import org.apache.nifi.annotation.behavior.ReadsAttributes;
import org.apache.nifi.annotation.behavior.SupportsBatching;
import org.apache.nifi.annotation.behavior.SystemResource;
import org.apache.nifi.annotation.behavior.SystemResourceConsideration;
import org.apache.nifi.annotation.behavior.WritesAttribute;
import org.apache.nifi.annotation.behavior.WritesAttributes;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.SeeAlso;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.annotation.documentation.UseCase;
import org.apache.nifi.annotation.lifecycle.OnScheduled;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.ValidationContext;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.expression.ExpressionLanguageScope;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.flowfile.attributes.CoreAttributes;
import org.apache.nifi.processor.AbstractProcessor;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.processor.exception.ProcessException;
import org.apache.nifi.processor.util.StandardValidators;
import org.apache.nifi.schema.access.SchemaNotFoundException;
import org.apache.nifi.serialization.RecordSetWriter;
import org.apache.nifi.serialization.RecordSetWriterFactory;
import org.apache.nifi.serialization.SimpleRecordSchema;
import org.apache.nifi.serialization.WriteResult;
import org.apache.nifi.serialization.record.MapRecord;
import org.apache.nifi.serialization.record.RecordField;
import org.apache.nifi.serialization.record.RecordFieldType;
import org.apache.nifi.serialization.record.RecordSchema;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** Runs images through an ONNX model to a named layer and writes one feature-vector record per image. */
@SupportsBatching
@InputRequirement(InputRequirement.Requirement.INPUT_REQUIRED)
@Tags({"image", "features", "embedding", "feature extraction", "transfer learning", "cnn", "onnx", "fc7", "record", "gpu"})
@CapabilityDescription("Extracts features from images with a convolutional neural network run by an OnnxModelService: runs up to Batch Size"
        + " FlowFiles (encoded images, or .npy tensors from PrepareImage) through the model in one inference, reads a named layer"
        + " (a tap of the model manifest such as AlexNet's fc7, or any tensor the service taps), optionally pools it over its"
        + " spatial dimensions and L2-normalises it, and writes one record per image (features, label, source, source_directory, model, layer) with the"
        + " configured Record Writer: one output FlowFile per batch. The inputs go to original; those that cannot be decoded or fail"
        + " at inference go to failure with cnn.error.")
@SeeAlso(classNames = {"dev.nificnn.services.OnnxModelService", "dev.nificnn.processors.ClassifyImage"})
@ReadsAttributes({
        @ReadsAttribute(attribute = "filename", description = "Written to the record's source field"),
        @ReadsAttribute(attribute = "absolute.path", description = "Written to the record's source_directory field (ListFile, GetFile and"
                + " ListImageDataset set it), so that a later step can fetch the image again, e.g. for review")
})
@WritesAttributes({
        @WritesAttribute(attribute = "record.count", description = "Number of records (images) in the output FlowFile"),
        @WritesAttribute(attribute = "mime.type", description = "The Record Writer's MIME type"),
        @WritesAttribute(attribute = CnnAttributes.MODEL_ID, description = "The model: manifest name and first 12 hex digits of its SHA-256 (output and originals)"),
        @WritesAttribute(attribute = CnnAttributes.PROVIDER, description = "Where the inference ran: CUDA, TensorRT or CPU (output and originals)"),
        @WritesAttribute(attribute = CnnAttributes.LAYER, description = "The layer read (output)"),
        @WritesAttribute(attribute = CnnAttributes.FEATURE_LENGTH, description = "Length of each feature vector (output)"),
        @WritesAttribute(attribute = CnnAttributes.ERROR, description = "Why a FlowFile went to failure"),
        @WritesAttribute(attribute = CnnAttributes.BATCH_SIZE, description = "How many images ran in the batch (output)"),
        @WritesAttribute(attribute = CnnAttributes.BATCH_WAIT_MILLISECONDS, description = "Milliseconds the batch waited for more images, Max Batch Wait (output)"),
        @WritesAttribute(attribute = CnnAttributes.PREPARE_MILLISECONDS, description = "Milliseconds the batch took to decode, resize and pack (output)"),
        @WritesAttribute(attribute = CnnAttributes.GPU_MEMORY_MEBIBYTES, description = "On CUDA or TensorRT: MiB of GPU memory this NiFi held after the batch (nvidia-smi)"),
        @WritesAttribute(attribute = CnnAttributes.INFERENCE_MILLISECONDS, description = "Milliseconds the batch's inference took (output)")
})
@SystemResourceConsideration(resource = SystemResource.MEMORY, description = "A batch holds Batch Size decoded images as float tensors"
        + " plus the layer's values of every image (AlexNet fc7: 16 KB per image; an un-pooled convolution layer can be far larger).")
@UseCase(
        description = "Turn a folder tree of labelled images (one sub-folder per class) into feature-vector records for training a classifier,"
                + " e.g. AlexNet fc7 features for TrainImageClassifier.",
        keywords = {"feature extraction", "transfer learning", "fc7", "embeddings", "image dataset"},
        configuration = """
                Read the images with ListFile + FetchFile (or GetFile) over the dataset root, recursing into sub-folders.
                Add an OnnxModelService with "Model Manifest" set to e.g. models/bvlcalexnet-12.json (taps fc6, fc7, pool5).
                Set "ONNX Model Service" to it and "Layer" to fc7 ("Pooling" None, since fc7 is already a vector; for a convolution
                layer such as SqueezeNet's fire9 choose Global Average). Set "L2 Normalize" to true for cosine-style distances.
                Keep "Label" at its default, the name of the folder holding the image: ${absolute.path:replaceAll('/+$', ''):substringAfterLast('/')}.
                Set "Record Writer" to an AvroRecordSetWriter (compact: 4 bytes a float) or a JsonRecordSetWriter, inheriting the record schema.
                List the images with ListImageDataset and send "success" (one FlowFile of records per batch and dataset listing) and
                "failure" to TrainImageClassifier: it gathers the records until the listing's every image has arrived, then trains once.
                """
)
public class ExtractImageFeatures extends AbstractProcessor {

    /** The schema of every record written. */
    static final RecordSchema FEATURE_SCHEMA = new SimpleRecordSchema(List.of(
            new RecordField(RecordFields.FEATURES, RecordFieldType.ARRAY.getArrayDataType(RecordFieldType.FLOAT.getDataType()), false),
            new RecordField(RecordFields.LABEL, RecordFieldType.STRING.getDataType(), true),
            new RecordField(RecordFields.SOURCE, RecordFieldType.STRING.getDataType(), true),
            new RecordField(RecordFields.SOURCE_DIRECTORY, RecordFieldType.STRING.getDataType(), true),
            new RecordField(RecordFields.MODEL, RecordFieldType.STRING.getDataType(), false),
            new RecordField(RecordFields.LAYER, RecordFieldType.STRING.getDataType(), false)));

    public static final PropertyDescriptor MODEL_SERVICE = new PropertyDescriptor.Builder()
            .name("ONNX Model Service")
            .description("The service holding the model; its manifest says how images are preprocessed and which layers are tapped.")
            .required(true)
            .identifiesControllerService(OnnxModelProvider.class)
            .build();

    public static final PropertyDescriptor LAYER = new PropertyDescriptor.Builder()
            .name("Layer")
            .description("The layer to read: a tap name of the model manifest (e.g. fc7) or of the service's Additional Layer Taps, or the"
                    + " name of a graph output (e.g. the manifest's class output).")
            .required(true)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();

    public static final PropertyDescriptor POOLING = new PropertyDescriptor.Builder()
            .name("Pooling")
            .description("How a layer with spatial dimensions (channels x height x width) becomes a vector.")
            .required(true)
            .allowableValues(AllowableChoices.of(FeaturePooling.class))
            .defaultValue(FeaturePooling.NONE.getValue())
            .build();

    public static final PropertyDescriptor L2_NORMALIZE = new PropertyDescriptor.Builder()
            .name("L2 Normalize")
            .description("Whether each feature vector is scaled to unit Euclidean length (after pooling).")
            .required(true)
            .allowableValues("true", "false")
            .defaultValue("false")
            .build();

    public static final PropertyDescriptor RECORD_WRITER = new PropertyDescriptor.Builder()
            .name("Record Writer")
            .description("Writes the feature records; the schema is given by this processor (see its additional details), so a writer"
                    + " that inherits the record schema is simplest.")
            .required(true)
            .identifiesControllerService(RecordSetWriterFactory.class)
            .build();

    public static final PropertyDescriptor LABEL = new PropertyDescriptor.Builder()
            .name("Label")
            .description("The label field of each record, evaluated against the image's FlowFile. The default is the name of the folder"
                    + " holding the image (ListFile/GetFile's absolute.path), the usual layout of class-per-folder datasets. An empty"
                    + " result writes a null label.")
            .required(false)
            .defaultValue("${absolute.path:replaceAll('/+$', ''):substringAfterLast('/')}")
            .expressionLanguageSupported(ExpressionLanguageScope.FLOWFILE_ATTRIBUTES)
            .addValidator(StandardValidators.ATTRIBUTE_EXPRESSION_LANGUAGE_VALIDATOR)
            .build();

    public static final PropertyDescriptor BATCH_SIZE = new PropertyDescriptor.Builder()
            .name("Batch Size")
            .description("The most FlowFiles run through the model in one inference, and written to one output FlowFile.")
            .required(true)
            .defaultValue("32")
            .addValidator(StandardValidators.createLongValidator(1, 4096, true))
            .build();

    public static final PropertyDescriptor MAXIMUM_IMAGE_PIXELS = ImageInputProperties.MAXIMUM_IMAGE_PIXELS;
    public static final PropertyDescriptor JPEG_DRAFT_DECODING = ImageInputProperties.JPEG_DRAFT_DECODING;

    public static final Relationship REL_SUCCESS = new Relationship.Builder()
            .name("success")
            .description("One FlowFile of feature records per batch")
            .build();

    public static final Relationship REL_ORIGINAL = new Relationship.Builder()
            .name("original")
            .description("The input FlowFiles whose features were written")
            .build();

    public static final Relationship REL_FAILURE = new Relationship.Builder()
            .name("failure")
            .description("Input FlowFiles that cannot be decoded or whose inference failed, with cnn.error")
            .build();

    private static final List<PropertyDescriptor> PROPERTY_DESCRIPTORS = List.of(MODEL_SERVICE, LAYER, POOLING, L2_NORMALIZE, RECORD_WRITER, LABEL,
            BATCH_SIZE, BatchCollector.MAX_BATCH_WAIT, MAXIMUM_IMAGE_PIXELS, JPEG_DRAFT_DECODING);
    private static final Set<Relationship> RELATIONSHIPS = Set.of(REL_SUCCESS, REL_ORIGINAL, REL_FAILURE);

    private final InferenceCounters counters = new InferenceCounters();
    private volatile InferenceBatchStep step;

    @Override
    protected List<PropertyDescriptor> getSupportedPropertyDescriptors() {
        return PROPERTY_DESCRIPTORS;
    }

    @Override
    public Set<Relationship> getRelationships() {
        return RELATIONSHIPS;
    }

    @Override
    protected Collection<ValidationResult> customValidate(final ValidationContext context) {
        final List<ValidationResult> results = new ArrayList<>();
        final String layer = context.getProperty(LAYER).getValue();
        if (layer == null || !context.getProperty(MODEL_SERVICE).isSet()) {
            return results;
        }
        final OnnxModelProvider provider = context.getProperty(MODEL_SERVICE).asControllerService(OnnxModelProvider.class);
        final OnnxModel model;
        try {
            model = provider == null ? null : provider.currentModel();
        } catch (final IllegalStateException e) {
            // The service is not enabled yet: the layer is checked again when it is, and when the processor starts.
            return results;
        }
        if (model != null) {
            try {
                model.resolveLayer(layer);
            } catch (final IllegalArgumentException e) {
                results.add(new ValidationResult.Builder().subject(LAYER.getName()).input(layer).valid(false).explanation(e.getMessage()).build());
            }
        }
        return results;
    }

    @OnScheduled
    public void onScheduled(final ProcessContext context) {
        step = new InferenceBatchStep(new ModelInputs(context.getProperty(MAXIMUM_IMAGE_PIXELS).asLong(), context.getProperty(JPEG_DRAFT_DECODING).asBoolean()),
                counters, getLogger(), REL_FAILURE, "extract features of");
        getLogger().info("JPEG decoding: {}", ImageDecoder.jpegDecoderStatus());
    }

    @Override
    public void onTrigger(final ProcessContext context, final ProcessSession session) throws ProcessException {
        final String layer = context.getProperty(LAYER).getValue();
        // A reloaded model without this layer is a configuration problem, not bad input: resolveLayer's refusal keeps the FlowFiles.
        step.run(context, session, context.getProperty(MODEL_SERVICE).asControllerService(OnnxModelProvider.class),
                context.getProperty(BATCH_SIZE).asInteger(), model -> List.of(model.resolveLayer(layer)), ran -> extract(context, session, ran, layer));
    }

    private void extract(final ProcessContext context, final ProcessSession session, final InferenceBatchStep.Ran ran, final String layer) {
        final OnnxModel model = ran.model();
        final FeaturePooling pooling = AllowableChoices.valueOf(context.getProperty(POOLING), FeaturePooling.class);
        final boolean normalize = context.getProperty(L2_NORMALIZE).asBoolean();
        final List<FlowFile> extracted = new ArrayList<>();
        final List<MapRecord> records = new ArrayList<>();
        for (int i = 0; i < ran.succeeded().size(); i++) {
            final FlowFile flowFile = ran.succeeded().get(i);
            float[] features = pooling.apply(ran.outputs(i)[0], ran.imageShape(0), model.manifest().input().layout());
            if (normalize) {
                features = FeaturePooling.l2Normalize(features);
            }
            final Float[] boxed = new Float[features.length];
            for (int value = 0; value < features.length; value++) {
                boxed[value] = features[value];
            }
            final String label = context.getProperty(LABEL).evaluateAttributeExpressions(flowFile).getValue();
            final Map<String, Object> values = new HashMap<>();
            values.put(RecordFields.FEATURES, boxed);
            values.put(RecordFields.LABEL, label == null || label.isEmpty() ? null : label);
            values.put(RecordFields.SOURCE, flowFile.getAttribute(CoreAttributes.FILENAME.key()));
            values.put(RecordFields.SOURCE_DIRECTORY, flowFile.getAttribute(CoreAttributes.ABSOLUTE_PATH.key()));
            values.put(RecordFields.MODEL, model.modelId());
            values.put(RecordFields.LAYER, layer);
            records.add(new MapRecord(FEATURE_SCHEMA, values));
            extracted.add(flowFile);
        }

        // One output per dataset listing in the batch, so that each output keeps its listing's id and size (the attributes all
        // its parents share) and TrainImageClassifier counts every record towards the right set.
        final Map<String, List<Integer>> byDataset = new LinkedHashMap<>();
        for (int index = 0; index < extracted.size(); index++) {
            final String dataset = Objects.requireNonNullElse(extracted.get(index).getAttribute(CnnAttributes.DATASET_ID), "");
            byDataset.computeIfAbsent(dataset, key -> new ArrayList<>()).add(index);
        }
        final List<FlowFile> written = new ArrayList<>();
        for (final List<Integer> group : byDataset.values()) {
            final List<FlowFile> parents = group.stream().map(extracted::get).toList();
            final List<MapRecord> groupRecords = group.stream().map(records::get).toList();
            try {
                writeRecords(context, session, parents, groupRecords, model, layer, ran.providerName(), ran.times());
                written.addAll(parents);
            } catch (final IOException | SchemaNotFoundException | ProcessException e) {
                // The writer refused: nothing was lost, the inputs go to failure with the reason.
                for (final FlowFile flowFile : parents) {
                    ran.fail(flowFile, "Feature records cannot be written: " + e.getMessage());
                }
            }
        }
        extracted.retainAll(written);
        final String details = "Features of layer " + layer + " extracted by model " + model.modelId() + " on " + ran.providerName();
        for (final FlowFile flowFile : extracted) {
            final FlowFile original = session.putAllAttributes(flowFile, Map.of(CnnAttributes.MODEL_ID, model.modelId(), CnnAttributes.PROVIDER,
                    ran.providerName()));
            session.getProvenanceReporter().modifyAttributes(original, details);
            session.transfer(original, REL_ORIGINAL);
        }
    }

    private void writeRecords(final ProcessContext context, final ProcessSession session, final List<FlowFile> parents, final List<MapRecord> records,
                              final OnnxModel model, final String layer, final String providerName, final InferenceCounters.BatchTimes times)
            throws IOException, SchemaNotFoundException {
        final RecordSetWriterFactory writerFactory = context.getProperty(RECORD_WRITER).asControllerService(RecordSetWriterFactory.class);
        final Map<String, String> variables = parents.getFirst().getAttributes();
        final RecordSchema schema = writerFactory.getSchema(variables, FEATURE_SCHEMA);
        FlowFile output = session.create(parents);
        final WrittenRecordSet written = new WrittenRecordSet();
        try {
            output = session.write(output, (final OutputStream out) -> {
                try (RecordSetWriter writer = writerFactory.createWriter(getLogger(), schema, out, variables)) {
                    writer.beginRecordSet();
                    for (final MapRecord record : records) {
                        writer.write(record);
                    }
                    written.result = writer.finishRecordSet();
                    written.mimeType = writer.getMimeType();
                } catch (final SchemaNotFoundException e) {
                    throw new IOException(e);
                }
            });
        } catch (final ProcessException e) {
            session.remove(output);
            throw e;
        }
        final Map<String, String> attributes = new HashMap<>(written.result.getAttributes());
        attributes.put("record.count", Integer.toString(written.result.getRecordCount()));
        attributes.put(CoreAttributes.MIME_TYPE.key(), written.mimeType);
        attributes.put(CnnAttributes.MODEL_ID, model.modelId());
        attributes.put(CnnAttributes.PROVIDER, providerName);
        attributes.put(CnnAttributes.LAYER, layer);
        attributes.put(CnnAttributes.FEATURE_LENGTH, Integer.toString(((Object[]) records.getFirst().getValue(RecordFields.FEATURES)).length));
        attributes.putAll(InferenceCounters.attributes(times));
        output = session.putAllAttributes(output, attributes);
        session.transfer(output, REL_SUCCESS);
    }

    /** What the record writer reported from inside the session's write callback. */
    private static final class WrittenRecordSet {
        private WriteResult result;
        private String mimeType;
    }
}

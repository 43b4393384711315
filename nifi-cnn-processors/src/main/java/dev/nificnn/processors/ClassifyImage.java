package dev.nificnn.processors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nificnn.image.ImageDecoder;
import dev.nificnn.onnx.Classification;
import dev.nificnn.onnx.OnnxModel;
import dev.nificnn.onnx.ScoredClass;
import dev.nificnn.review.ReviewRule;
import dev.nificnn.services.OnnxModelProvider;
import org.apache.nifi.annotation.behavior.InputRequirement;
import org.apache.nifi.annotation.behavior.ReadsAttribute;
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
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.flowfile.attributes.CoreAttributes;
import org.apache.nifi.processor.AbstractProcessor;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.processor.exception.ProcessException;
import org.apache.nifi.processor.util.StandardValidators;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** Classifies images (or prepared .npy tensors) with the ONNX model of an OnnxModelService, many FlowFiles per inference. */
@SupportsBatching
@InputRequirement(InputRequirement.Requirement.INPUT_REQUIRED)
@Tags({"image", "classification", "cnn", "onnx", "neural network", "deep learning", "imagenet", "gpu"})
@CapabilityDescription("Classifies images with a convolutional neural network run by an OnnxModelService. Each FlowFile holds an encoded"
        + " image (JPEG, PNG, GIF, BMP, TIFF, WebP), decoded and preprocessed as the model manifest says, or a .npy float32 tensor"
        + " written by PrepareImage (recognised by its content). Up to Batch Size FlowFiles go through the model in one inference."
        + " Writes the top class, its score and the top K classes as attributes, and optionally as JSON content. FlowFiles that"
        + " cannot be decoded or fail at inference go to failure with cnn.error; the rest of their batch is unaffected.")
@SeeAlso(classNames = {"dev.nificnn.services.OnnxModelService", "dev.nificnn.processors.ExtractImageFeatures"})
@ReadsAttribute(attribute = "(content)", description = "An encoded image, or a .npy tensor of the model's input shape")
@WritesAttributes({
        @WritesAttribute(attribute = CnnAttributes.LABEL, description = "The most likely class's name (its index when the model has no labels)"),
        @WritesAttribute(attribute = CnnAttributes.LABEL_INDEX, description = "The most likely class's index in the model's output"),
        @WritesAttribute(attribute = CnnAttributes.SCORE, description = "Its probability, 0 to 1, with six decimals"),
        @WritesAttribute(attribute = CnnAttributes.TOP_K, description = "JSON array of the Top K classes, best first:"
                + " [{\"label\": \"tabby\", \"index\": 281, \"score\": 0.94123}, ...]"),
        @WritesAttribute(attribute = CnnAttributes.MODEL_ID, description = "The model: manifest name and the first 12 hex digits of its SHA-256"),
        @WritesAttribute(attribute = CnnAttributes.PROVIDER, description = "Where the inference ran: CUDA, TensorRT or CPU"),
        @WritesAttribute(attribute = CnnAttributes.ERROR, description = "Why the FlowFile went to failure"),
        @WritesAttribute(attribute = "mime.type", description = "application/json when the Output Destination is Content"),
        @WritesAttribute(attribute = CnnAttributes.BATCH_SIZE, description = "How many images ran in this image's batch"),
        @WritesAttribute(attribute = CnnAttributes.BATCH_WAIT_MILLISECONDS, description = "Milliseconds the batch waited for more images (Max Batch Wait)"),
        @WritesAttribute(attribute = CnnAttributes.PREPARE_MILLISECONDS, description = "Milliseconds the batch took to decode, resize and pack"),
        @WritesAttribute(attribute = CnnAttributes.GPU_MEMORY_MEBIBYTES, description = "On CUDA or TensorRT: MiB of GPU memory this NiFi held after the batch (nvidia-smi)"),
        @WritesAttribute(attribute = CnnAttributes.INFERENCE_MILLISECONDS, description = "Milliseconds the batch's inference took"),
        @WritesAttribute(attribute = CnnAttributes.REVIEW_REASON, description = "On 'review': why the prediction needs a person"),
        @WritesAttribute(attribute = CnnAttributes.REVIEW_MARGIN, description = "On 'review': top score minus the second, six decimals")
})
@SystemResourceConsideration(resource = SystemResource.MEMORY, description = "A batch holds Batch Size decoded images as float tensors"
        + " (for 224 x 224 inputs, 0.6 MB each) plus the model's activations.")
@UseCase(
        description = "Classify images with a pretrained ImageNet CNN (SqueezeNet, ResNet-50, MobileNetV2, AlexNet) and route them by class.",
        keywords = {"image classification", "imagenet", "label images", "cnn"},
        configuration = """
                Add an OnnxModelService with "Model Manifest" set to the model's manifest, e.g. models/squeezenet1.1.json,
                with the model file (models/fetch squeezenet1.1) beside it. Keep "Execution Provider" at Auto to use a GPU when there is one.
                Set "ONNX Model Service" to that service. Keep "Batch Size" at 32 (larger batches keep a GPU busier).
                Set "Top K" to the number of candidate classes wanted in cnn.top.k.
                Connect "success" to RouteOnAttribute with e.g. cat = ${cnn.label:contains('cat'):and(${cnn.score:gt(0.5)})}.
                Connect "failure" to a place where undecodable images are looked at; cnn.error says why.
                """
)
@UseCase(
        description = "Send the images the model is unsure of to a person instead of acting on a doubtful label.",
        keywords = {"review", "low confidence", "human in the loop"},
        configuration = """
                Set "Review Score Threshold" (e.g. 0.5) and/or "Review Margin" (e.g. 0.1): a "review" relationship appears.
                Connect "review" to PutFile with Directory <review folder>/${cnn.label}: the image (the content is unchanged) lands in a
                folder per predicted label, with cnn.review.reason saying why.
                """
)
public class ClassifyImage extends AbstractProcessor {

    public static final PropertyDescriptor MODEL_SERVICE = new PropertyDescriptor.Builder()
            .name("ONNX Model Service")
            .description("The service holding the model; its manifest says how images are preprocessed and which output holds the classes.")
            .required(true)
            .identifiesControllerService(OnnxModelProvider.class)
            .build();

    public static final PropertyDescriptor BATCH_SIZE = new PropertyDescriptor.Builder()
            .name("Batch Size")
            .description("The most FlowFiles classified in one inference. Models whose graph fixes the batch size (such as SqueezeNet 1.1"
                    + " of the ONNX Model Zoo, batch 1) are run image by image within the batch.")
            .required(true)
            .defaultValue("32")
            .addValidator(StandardValidators.createLongValidator(1, 4096, true))
            .build();

    public static final PropertyDescriptor TOP_K = new PropertyDescriptor.Builder()
            .name("Top K")
            .description("How many of the most likely classes cnn.top.k lists.")
            .required(true)
            .defaultValue("5")
            .addValidator(StandardValidators.createLongValidator(1, 1000, true))
            .build();

    public static final PropertyDescriptor OUTPUT_DESTINATION = new PropertyDescriptor.Builder()
            .name("Output Destination")
            .description("Whether the classification is written to attributes only, or also as JSON content replacing the image.")
            .required(true)
            .allowableValues(OutputDestination.class)
            .defaultValue(OutputDestination.ATTRIBUTES)
            .build();

    public static final PropertyDescriptor MAXIMUM_IMAGE_PIXELS = ImageInputProperties.MAXIMUM_IMAGE_PIXELS;
    public static final PropertyDescriptor JPEG_DRAFT_DECODING = ImageInputProperties.JPEG_DRAFT_DECODING;

    public static final Relationship REL_SUCCESS = new Relationship.Builder()
            .name("success")
            .description("Classified FlowFiles, with the classification attributes (and JSON content when asked)")
            .build();

    public static final Relationship REL_FAILURE = new Relationship.Builder()
            .name("failure")
            .description("FlowFiles that cannot be decoded or whose inference failed, with cnn.error")
            .build();

    public static final PropertyDescriptor REVIEW_SCORE_THRESHOLD = ReviewRouting.REVIEW_SCORE_THRESHOLD;
    public static final PropertyDescriptor REVIEW_MARGIN = ReviewRouting.REVIEW_MARGIN;
    public static final Relationship REL_REVIEW = ReviewRouting.REL_REVIEW;

    private static final List<PropertyDescriptor> PROPERTY_DESCRIPTORS = List.of(MODEL_SERVICE, BATCH_SIZE, BatchCollector.MAX_BATCH_WAIT, TOP_K, OUTPUT_DESTINATION, MAXIMUM_IMAGE_PIXELS,
            JPEG_DRAFT_DECODING, REVIEW_SCORE_THRESHOLD, REVIEW_MARGIN);
    private static final ObjectMapper OBJECT_MAPPER = new ObjectMapper();

    private final InferenceCounters counters = new InferenceCounters();
    private final ReviewRouting reviewRouting = new ReviewRouting(Set.of(REL_SUCCESS, REL_FAILURE));
    private volatile InferenceBatchStep step;

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

    @OnScheduled
    public void onScheduled(final ProcessContext context) {
        step = new InferenceBatchStep(new ModelInputs(context.getProperty(MAXIMUM_IMAGE_PIXELS).asLong(), context.getProperty(JPEG_DRAFT_DECODING).asBoolean()),
                counters, getLogger(), REL_FAILURE, "classify");
        getLogger().info("JPEG decoding: {}", ImageDecoder.jpegDecoderStatus());
    }

    @Override
    public void onTrigger(final ProcessContext context, final ProcessSession session) throws ProcessException {
        final int topK = context.getProperty(TOP_K).asInteger();
        final boolean writeContent = context.getProperty(OUTPUT_DESTINATION).asAllowableValue(OutputDestination.class) == OutputDestination.CONTENT;
        final ReviewRule reviewRule = ReviewRouting.rule(context);
        step.run(context, session, context.getProperty(MODEL_SERVICE).asControllerService(OnnxModelProvider.class),
                context.getProperty(BATCH_SIZE).asInteger(), model -> List.of(model.manifest().output().name()), ran -> {
                    final OnnxModel model = ran.model();
                    final long inferenceMillis = TimeUnit.NANOSECONDS.toMillis(ran.times().inferenceNanos());
                    long reviewed = 0;
                    for (int i = 0; i < ran.succeeded().size(); i++) {
                        // At least two classes, for the margin between the top two, whatever Top K asks for.
                        final List<ScoredClass> ranked = Classification.topK(ran.outputs(i)[0], model.manifest().output().kind(), model.labels(),
                                Math.max(topK, 2));
                        final List<ScoredClass> classes = ranked.subList(0, Math.min(topK, ranked.size()));
                        FlowFile classifiedFlowFile = classified(session, ran.succeeded().get(i), classes, model.modelId(), ran.providerName(),
                                writeContent, inferenceMillis);
                        classifiedFlowFile = InferenceCounters.putAttributes(session, classifiedFlowFile, ran.times());
                        final double topScore = ranked.getFirst().score();
                        final double secondScore = ranked.size() > 1 ? ranked.get(1).score() : Double.NaN;
                        final String reviewReason = reviewRule.reason(topScore, secondScore);
                        if (reviewReason == null) {
                            session.transfer(classifiedFlowFile, REL_SUCCESS);
                        } else {
                            classifiedFlowFile = session.putAllAttributes(classifiedFlowFile, Map.of(CnnAttributes.REVIEW_REASON, reviewReason,
                                    CnnAttributes.REVIEW_MARGIN, CnnAttributes.score(ReviewRule.margin(topScore, secondScore))));
                            session.transfer(classifiedFlowFile, REL_REVIEW);
                            reviewed++;
                        }
                    }
                    if (reviewed > 0) {
                        session.adjustCounter("Images sent to review", reviewed, false);
                    }
                });
    }

    private FlowFile classified(final ProcessSession session, final FlowFile flowFile, final List<ScoredClass> classes, final String modelId,
                                final String providerName, final boolean writeContent, final long inferenceMillis) {
        final ArrayNode topK = OBJECT_MAPPER.createArrayNode();
        for (final ScoredClass scored : classes) {
            topK.addObject().put(RecordFields.LABEL, scored.label()).put(RecordFields.INDEX, scored.index())
                    .put(RecordFields.SCORE, CnnAttributes.roundedScore(scored.score()));
        }
        final Map<String, String> attributes = new HashMap<>();
        attributes.put(CnnAttributes.LABEL, classes.getFirst().label());
        attributes.put(CnnAttributes.LABEL_INDEX, Integer.toString(classes.getFirst().index()));
        attributes.put(CnnAttributes.SCORE, CnnAttributes.score(classes.getFirst().score()));
        attributes.put(CnnAttributes.TOP_K, topK.toString());
        attributes.put(CnnAttributes.MODEL_ID, modelId);
        attributes.put(CnnAttributes.PROVIDER, providerName);
        FlowFile updated = session.removeAttribute(flowFile, CnnAttributes.ERROR);
        final String details = "Classified as " + classes.getFirst().label() + " by model " + modelId + " on " + providerName;
        if (writeContent) {
            final ObjectNode json = OBJECT_MAPPER.createObjectNode();
            json.put(RecordFields.LABEL, classes.getFirst().label()).put(RecordFields.INDEX, classes.getFirst().index())
                    .put(RecordFields.SCORE, CnnAttributes.roundedScore(classes.getFirst().score()))
                    .put(RecordFields.MODEL, modelId).put(RecordFields.PROVIDER, providerName);
            json.set(RecordFields.TOP_K, topK);
            final byte[] content;
            try {
                content = OBJECT_MAPPER.writeValueAsBytes(json);
            } catch (final JsonProcessingException e) {
                throw new ProcessException("Classification JSON cannot be written", e);
            }
            updated = session.write(updated, out -> out.write(content));
            attributes.put(CoreAttributes.MIME_TYPE.key(), "application/json");
            updated = session.putAllAttributes(updated, attributes);
            session.getProvenanceReporter().modifyContent(updated, details, inferenceMillis);
        } else {
            updated = session.putAllAttributes(updated, attributes);
            session.getProvenanceReporter().modifyAttributes(updated, details);
        }
        return updated;
    }
}

package dev.nificnn.processors;

import dev.nificnn.dataset.DatasetFormatException;
import dev.nificnn.dataset.ImageFolderListing;
import org.apache.nifi.annotation.behavior.InputRequirement;
import org.apache.nifi.annotation.behavior.PrimaryNodeOnly;
import org.apache.nifi.annotation.behavior.Stateful;
import org.apache.nifi.annotation.behavior.SystemResource;
import org.apache.nifi.annotation.behavior.SystemResourceConsideration;
import org.apache.nifi.annotation.behavior.TriggerSerially;
import org.apache.nifi.annotation.behavior.WritesAttribute;
import org.apache.nifi.annotation.behavior.WritesAttributes;
import org.apache.nifi.annotation.configuration.DefaultSchedule;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.SeeAlso;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.annotation.documentation.UseCase;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.state.Scope;
import org.apache.nifi.components.state.StateMap;
import org.apache.nifi.expression.ExpressionLanguageScope;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.flowfile.attributes.CoreAttributes;
import org.apache.nifi.processor.AbstractProcessor;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.processor.exception.ProcessException;
import org.apache.nifi.processor.util.StandardValidators;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/** Lists a class-per-folder image tree as one dataset: one FlowFile per image, each carrying the dataset's id and size. */
@Tags({"cnn", "dataset", "list", "file", "image", "training", "label", "transfer learning"})
@CapabilityDescription("Lists every image of a class-per-folder tree (<Input Directory>/<class>/.../<image>) at once, as one dataset, and "
        + "emits one FlowFile per image (no content: FetchFile reads it) with the attributes ListFile writes plus the dataset's id, size and "
        + "the image's position in it. Unlike ListFile, which lists incrementally and never says when a listing is done, the size travels "
        + "with every image, so TrainImageClassifier can wait for exactly that many feature records, however slowly they arrive, and train "
        + "one model on the whole set. The tree is listed again, as a new dataset with a new id, only when a file in it is added, removed, "
        + "renamed or modified (its fingerprint is kept in cluster state); while any image is younger than Minimum File Age nothing is "
        + "listed, so a folder still being copied is not taken for a dataset.")
@InputRequirement(InputRequirement.Requirement.INPUT_FORBIDDEN)
@PrimaryNodeOnly
@TriggerSerially
@DefaultSchedule(period = "10 sec")
@Stateful(scopes = Scope.CLUSTER, description = "The fingerprint, id and size of the last dataset listed, so that an unchanged tree is "
        + "not listed twice (also after a restart or a change of primary node). Clearing the state lists the tree again as a new dataset.")
@SystemResourceConsideration(resource = SystemResource.MEMORY, description = "The whole listing and its FlowFiles' attributes are held until "
        + "the session commits: about 1 KB per image (50,000 images: about 50 MB); Maximum Images bounds it.")
@WritesAttributes({
    @WritesAttribute(attribute = "filename", description = "The image's file name"),
    @WritesAttribute(attribute = "path", description = "The image's folder relative to Input Directory, with a trailing '/' (e.g. cat/)"),
    @WritesAttribute(attribute = "absolute.path", description = "The image's folder as an absolute path, with a trailing '/'"),
    @WritesAttribute(attribute = "file.size", description = "Size of the file in bytes"),
    @WritesAttribute(attribute = "file.lastModifiedTime", description = "Modification time, ISO-8601"),
    @WritesAttribute(attribute = CnnAttributes.DATASET_LABEL, description = "The image's class: the name of its folder below Input Directory"),
    @WritesAttribute(attribute = CnnAttributes.DATASET_ID, description = "Id of this listing of the dataset (a UUID), the same on every image of it"),
    @WritesAttribute(attribute = CnnAttributes.DATASET_SIZE, description = "How many images the listing holds, the same on every image of it"),
    @WritesAttribute(attribute = CnnAttributes.DATASET_CLASSES, description = "How many classes (folders) the listing holds"),
    @WritesAttribute(attribute = CnnAttributes.DATASET_INDEX, description = "Zero-based position of the image in the listing (sorted by folder and name)")
})
@UseCase(description = "Train a classifier on every image of a class-per-folder tree, exactly once, whatever the size of the tree.",
        keywords = {"training set", "dataset", "transfer learning", "complete"},
        configuration = """
                Set Input Directory to the tree's root (one sub-folder per class).
                Connect 'success' to FetchFile (its default File to Fetch, ${absolute.path}/${filename}, reads the image), then to
                ExtractImageFeatures, then, through a SINGLE_NODE connection, to TrainImageClassifier, whose Training Set Id and
                Training Set Size default to this processor's attributes. Route every failure of FetchFile and ExtractImageFeatures to
                TrainImageClassifier as well, so that it counts failed images and does not wait for them.
                """)
@SeeAlso({TrainImageClassifier.class, ExtractImageFeatures.class})
public class ListImageDataset extends AbstractProcessor {

    static final String FINGERPRINT_STATE = "fingerprint";
    static final String SET_ID_STATE = "dataset.id";
    static final String SET_SIZE_STATE = "dataset.size";
    static final String LISTED_AT_STATE = "listed.at";

    public static final PropertyDescriptor INPUT_DIRECTORY = new PropertyDescriptor.Builder()
            .name("Input Directory")
            .description("Root of the dataset: one sub-folder per class, images in it (or in its sub-folders)")
            .required(true)
            .expressionLanguageSupported(ExpressionLanguageScope.ENVIRONMENT)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();

    public static final PropertyDescriptor FILE_FILTER = new PropertyDescriptor.Builder()
            .name("File Filter")
            .description("Regular expression a file name must match to be listed; the default lists every file whose name does not start with '.'")
            .required(true)
            .defaultValue("[^\\.].*")
            .addValidator(StandardValidators.REGULAR_EXPRESSION_VALIDATOR)
            .build();

    public static final PropertyDescriptor MINIMUM_FILE_AGE = new PropertyDescriptor.Builder()
            .name("Minimum File Age")
            .description("Nothing is listed while any image of the tree was modified more recently than this: the dataset is still being written")
            .required(true)
            .defaultValue("5 sec")
            .addValidator(StandardValidators.TIME_PERIOD_VALIDATOR)
            .build();

    public static final PropertyDescriptor MAXIMUM_IMAGES = new PropertyDescriptor.Builder()
            .name("Maximum Images")
            .description("A tree with more images is not listed (an error bulletin says so): bounds the listing's memory")
            .required(true)
            .defaultValue("1000000")
            .addValidator(StandardValidators.createLongValidator(1, 50_000_000, true))
            .build();

    public static final Relationship REL_SUCCESS = new Relationship.Builder()
            .name("success")
            .description("One FlowFile per listed image, without content")
            .build();

    private static final List<PropertyDescriptor> PROPERTY_DESCRIPTORS = List.of(INPUT_DIRECTORY, FILE_FILTER, MINIMUM_FILE_AGE, MAXIMUM_IMAGES);
    private static final Set<Relationship> RELATIONSHIPS = Set.of(REL_SUCCESS);

    @Override
    protected List<PropertyDescriptor> getSupportedPropertyDescriptors() {
        return PROPERTY_DESCRIPTORS;
    }

    @Override
    public Set<Relationship> getRelationships() {
        return RELATIONSHIPS;
    }

    @Override
    public void onTrigger(final ProcessContext context, final ProcessSession session) throws ProcessException {
        final Path root = Path.of(context.getProperty(INPUT_DIRECTORY).evaluateAttributeExpressions().getValue()).toAbsolutePath().normalize();
        final Pattern filter = Pattern.compile(context.getProperty(FILE_FILTER).getValue());
        final ImageFolderListing listing;
        try {
            listing = ImageFolderListing.of(root, name -> filter.matcher(name).matches(), context.getProperty(MAXIMUM_IMAGES).asLong());
        } catch (final DatasetFormatException | IOException e) {
            getLogger().error("Cannot list dataset {}: {}", root, e.getMessage());
            context.yield();
            return;
        }
        final StateMap state;
        try {
            state = session.getState(Scope.CLUSTER);
        } catch (final IOException e) {
            throw new ProcessException("Cannot read the listing state", e);
        }
        if (listing.fingerprint().equals(state.get(FINGERPRINT_STATE)) || listing.entries().isEmpty()) {
            context.yield();
            return;
        }
        final long minimumAgeMillis = context.getProperty(MINIMUM_FILE_AGE).asTimePeriod(TimeUnit.MILLISECONDS);
        if (System.currentTimeMillis() - listing.youngestModifiedMillis() < minimumAgeMillis) {
            getLogger().debug("Dataset {} changed less than {} ms ago: listing it later", root, minimumAgeMillis);
            context.yield();
            return;
        }
        if (listing.filesOutsideClassFolders() > 0) {
            getLogger().warn("Dataset {}: {} files lie directly in the folder, outside any class folder, and are not listed", root,
                    listing.filesOutsideClassFolders());
        }
        emit(session, listing);
    }

    private void emit(final ProcessSession session, final ImageFolderListing listing) {
        final String setId = UUID.randomUUID().toString();
        final String size = Integer.toString(listing.entries().size());
        final String classes = Long.toString(listing.classCount());
        final List<FlowFile> listed = new ArrayList<>(listing.entries().size());
        int position = 0;
        for (final ImageFolderListing.Entry entry : listing.entries()) {
            final Map<String, String> attributes = new HashMap<>();
            attributes.put(CoreAttributes.FILENAME.key(), entry.file().getFileName().toString());
            attributes.put(CoreAttributes.PATH.key(), entry.relativeDirectory());
            attributes.put(CoreAttributes.ABSOLUTE_PATH.key(), entry.file().getParent().toString() + "/");
            attributes.put("file.size", Long.toString(entry.size()));
            attributes.put("file.lastModifiedTime", Instant.ofEpochMilli(entry.lastModifiedMillis()).toString());
            attributes.put(CnnAttributes.DATASET_LABEL, entry.label());
            attributes.put(CnnAttributes.DATASET_ID, setId);
            attributes.put(CnnAttributes.DATASET_SIZE, size);
            attributes.put(CnnAttributes.DATASET_CLASSES, classes);
            attributes.put(CnnAttributes.DATASET_INDEX, Integer.toString(position++));
            final FlowFile flowFile = session.putAllAttributes(session.create(), attributes);
            session.getProvenanceReporter().create(flowFile, "Listed as image " + position + " of " + size + " of dataset " + setId);
            listed.add(flowFile);
        }
        session.transfer(listed, REL_SUCCESS);
        final Map<String, String> newState = Map.of(FINGERPRINT_STATE, listing.fingerprint(), SET_ID_STATE, setId, SET_SIZE_STATE, size,
                LISTED_AT_STATE, Instant.now().toString());
        try {
            // Committed with the session: the FlowFiles and the record of having listed them are kept together or not at all.
            session.setState(newState, Scope.CLUSTER);
        } catch (final IOException e) {
            throw new ProcessException("Cannot keep the listing state; nothing was listed", e);
        }
        getLogger().info("Listed dataset {} ({} images in {} classes) as {}", listing.root(), size, classes, setId);
    }
}

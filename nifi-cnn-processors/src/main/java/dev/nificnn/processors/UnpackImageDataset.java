package dev.nificnn.processors;

import dev.nificnn.dataset.ClassNames;
import dev.nificnn.dataset.Cifar10BinaryReader;
import dev.nificnn.dataset.DatasetFormatException;
import dev.nificnn.dataset.DatasetImagePngEncoder;
import dev.nificnn.dataset.IdxReader;
import dev.nificnn.dataset.LabelledImageStream;
import org.apache.nifi.annotation.behavior.InputRequirement;
import org.apache.nifi.annotation.behavior.SupportsBatching;
import org.apache.nifi.annotation.behavior.SystemResource;
import org.apache.nifi.annotation.behavior.SystemResourceConsideration;
import org.apache.nifi.annotation.behavior.WritesAttribute;
import org.apache.nifi.annotation.behavior.WritesAttributes;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.annotation.documentation.UseCase;
import org.apache.nifi.annotation.lifecycle.OnScheduled;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.expression.ExpressionLanguageScope;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.flowfile.attributes.CoreAttributes;
import org.apache.nifi.flowfile.attributes.FragmentAttributes;
import org.apache.nifi.processor.AbstractProcessor;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.processor.exception.ProcessException;
import org.apache.nifi.processor.util.StandardValidators;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Splits a CIFAR-10 binary batch, or an IDX image file paired with its IDX label file, into one labelled PNG FlowFile per image.
 */
@SupportsBatching
@InputRequirement(InputRequirement.Requirement.INPUT_REQUIRED)
@Tags({"cnn", "dataset", "image", "cifar-10", "mnist", "fashion-mnist", "idx", "split", "unpack", "png", "label"})
@CapabilityDescription("Splits a labelled image dataset file into one PNG FlowFile per image, labelled with attributes: a CIFAR-10 binary"
        + " batch (records of 1 label byte + 3072 pixel bytes, red, green and blue planes of 32x32) or an IDX image file (MNIST /"
        + " Fashion-MNIST) whose matching IDX label file is named by the Label File property. Gzip-compressed input is detected by its"
        + " magic bytes. Records are streamed, so memory stays bounded by one image plus the FlowFile records of the children."
        + " Truncated or inconsistent input goes to failure with cnn.error and leaves no partial output behind; the input goes to"
        + " original when it was unpacked.")
@SystemResourceConsideration(resource = SystemResource.MEMORY, description = "Every child FlowFile's attributes stay in memory until the"
        + " session commits: Maximum Images bounds how many there can be per input.")
@WritesAttributes({
    @WritesAttribute(attribute = CnnAttributes.DATASET_LABEL_INDEX, description = "The index (0..255) of the image's class, as stored in the dataset"),
    @WritesAttribute(attribute = CnnAttributes.DATASET_LABEL, description = "The image's class name from Class Names (the index itself when unnamed), as ListImageDataset writes it"),
    @WritesAttribute(attribute = CnnAttributes.DATASET_INDEX, description = "Zero-based position of the image in the dataset file"),
    @WritesAttribute(attribute = CnnAttributes.DATASET_FORMAT, description = "CIFAR10_BINARY or IDX"),
    @WritesAttribute(attribute = CnnAttributes.DATASET_COUNT, description = "On the original FlowFile: how many images it held"),
    @WritesAttribute(attribute = CnnAttributes.IMAGE_WIDTH, description = "Width of the image in pixels"),
    @WritesAttribute(attribute = CnnAttributes.IMAGE_HEIGHT, description = "Height of the image in pixels"),
    @WritesAttribute(attribute = "filename", description = "<index>_<class name>.png, e.g. 3_cat.png (class name reduced to letters, digits, '.', '-', '_')"),
    @WritesAttribute(attribute = "mime.type", description = "image/png"),
    @WritesAttribute(attribute = "fragment.identifier", description = "The same for every image of one input FlowFile"),
    @WritesAttribute(attribute = "fragment.index", description = "Zero-based position of the image, as cnn.dataset.index"),
    @WritesAttribute(attribute = "fragment.count", description = "Number of images unpacked from the input"),
    @WritesAttribute(attribute = "segment.original.filename", description = "The filename of the input FlowFile"),
    @WritesAttribute(attribute = CnnAttributes.ERROR, description = "On failure: why the input could not be unpacked")
})
@UseCase(
        description = "Turn the CIFAR-10 binary batches into labelled PNG images, for example to extract CNN features and train a classifier.",
        keywords = {"cifar", "cifar-10", "dataset", "images", "labels"},
        configuration = """
                Fetch data_batch_1.bin ... data_batch_5.bin and test_batch.bin (e.g. with ListFile and FetchFile, after untarring \
                cifar-10-binary.tar.gz) into this processor.
                Set "Dataset Format" to "CIFAR-10 Binary" and leave "Class Names" unset (the CIFAR-10 names are the default).
                Connect "success" to the next step (e.g. ClassifyImage or ExtractImageFeatures, with the label from ${cnn.dataset.label}).
                """
)
@UseCase(
        description = "Turn the Fashion-MNIST or MNIST IDX files into labelled PNG images.",
        keywords = {"mnist", "fashion-mnist", "idx", "dataset", "images", "labels"},
        configuration = """
                Fetch only the image files (e.g. ListFile with File Filter ".*-images-idx3-ubyte(\\.gz)?") into this processor.
                Set "Dataset Format" to "IDX".
                Set "Label File" to the matching label file, e.g. \
                "${absolute.path}/${filename:replace('-images-idx3-ubyte', '-labels-idx1-ubyte')}".
                Set "Class Names" to "T-shirt/top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle boot" for Fashion-MNIST, \
                or leave it unset for MNIST digits (each label is then named by its number).
                """
)
public class UnpackImageDataset extends AbstractProcessor {

    public static final PropertyDescriptor DATASET_FORMAT = new PropertyDescriptor.Builder()
            .name("Dataset Format")
            .description("The format of the FlowFile content.")
            .required(true)
            .allowableValues(DatasetFormat.class)
            .defaultValue(DatasetFormat.CIFAR10_BINARY)
            .build();

    public static final PropertyDescriptor LABEL_FILE = new PropertyDescriptor.Builder()
            .name("Label File")
            .description("Path of the IDX label file (gzip-compressed or not) that belongs to the IDX image file in the FlowFile content."
                    + " Usually derived from the image file's name with Expression Language.")
            .required(true)
            .expressionLanguageSupported(ExpressionLanguageScope.FLOWFILE_ATTRIBUTES)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .dependsOn(DATASET_FORMAT, DatasetFormat.IDX)
            .build();

    public static final PropertyDescriptor CLASS_NAMES = new PropertyDescriptor.Builder()
            .name("Class Names")
            .description("Comma-separated class names in label order (label 0 first), written to cnn.dataset.label and the filename."
                    + " When unset: the CIFAR-10 names (airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck) for"
                    + " CIFAR-10 Binary, and the label number for IDX. A label without a name in the list is named by its number.")
            .required(false)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();

    public static final PropertyDescriptor MAXIMUM_IMAGES = new PropertyDescriptor.Builder()
            .name("Maximum Images")
            .description("The most images one input FlowFile may hold. An input with more goes to failure rather than being cut short;"
                    + " this bounds the memory that the children's FlowFile records take until the session commits.")
            .required(true)
            .defaultValue("100000")
            .addValidator(StandardValidators.POSITIVE_INTEGER_VALIDATOR)
            .build();

    public static final Relationship REL_SUCCESS = new Relationship.Builder()
            .name("success")
            .description("One PNG FlowFile per image of the dataset, with its label attributes")
            .build();

    public static final Relationship REL_ORIGINAL = new Relationship.Builder()
            .name("original")
            .description("The dataset FlowFile, once every image in it has been unpacked")
            .build();

    public static final Relationship REL_FAILURE = new Relationship.Builder()
            .name("failure")
            .description("A dataset FlowFile that is truncated, inconsistent or not of the configured format, with cnn.error saying why;"
                    + " none of its images are emitted")
            .build();

    private static final List<PropertyDescriptor> PROPERTY_DESCRIPTORS = List.of(DATASET_FORMAT, LABEL_FILE, CLASS_NAMES, MAXIMUM_IMAGES);

    private static final Set<Relationship> RELATIONSHIPS = Set.of(REL_SUCCESS, REL_ORIGINAL, REL_FAILURE);

    private volatile DatasetFormat datasetFormat;
    private volatile ClassNames classNames;
    private volatile int maximumImages;

    @Override
    protected List<PropertyDescriptor> getSupportedPropertyDescriptors() {
        return PROPERTY_DESCRIPTORS;
    }

    @Override
    public Set<Relationship> getRelationships() {
        return RELATIONSHIPS;
    }

    @OnScheduled
    public void onScheduled(final ProcessContext context) {
        datasetFormat = context.getProperty(DATASET_FORMAT).asAllowableValue(DatasetFormat.class);
        final String configuredNames = context.getProperty(CLASS_NAMES).getValue();
        if (configuredNames != null) {
            classNames = ClassNames.parse(configuredNames);
        } else {
            classNames = datasetFormat == DatasetFormat.CIFAR10_BINARY ? ClassNames.of(ClassNames.CIFAR10) : ClassNames.numeric();
        }
        maximumImages = context.getProperty(MAXIMUM_IMAGES).asInteger();
    }

    @Override
    public void onTrigger(final ProcessContext context, final ProcessSession session) throws ProcessException {
        FlowFile original = session.get();
        if (original == null) {
            return;
        }
        final long started = System.nanoTime();
        final List<FlowFile> children = new ArrayList<>();
        try (InputStream content = session.read(original);
             LabelledImageStream images = openImages(context, original, content)) {
            unpack(session, original, images, children);
        } catch (final DatasetFormatException | IOException e) {
            session.remove(children);
            final String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            getLogger().error("Could not unpack {} as {}: {}", original, datasetFormat.getDisplayName(), reason);
            original = session.putAttribute(original, CnnAttributes.ERROR, reason);
            session.transfer(original, REL_FAILURE);
            return;
        }

        final Map<String, String> countAttributes = Map.of(FragmentAttributes.FRAGMENT_COUNT.key(), Integer.toString(children.size()));
        final List<FlowFile> completeChildren = new ArrayList<>(children.size());
        for (final FlowFile child : children) {
            completeChildren.add(session.putAllAttributes(child, countAttributes));
        }
        session.transfer(completeChildren, REL_SUCCESS);
        original = session.putAttribute(original, CnnAttributes.DATASET_COUNT, Integer.toString(completeChildren.size()));
        session.transfer(original, REL_ORIGINAL);
        session.adjustCounter("Images unpacked", completeChildren.size(), false);
        getLogger().debug("Unpacked {} images from {} in {} ms", completeChildren.size(), original, (System.nanoTime() - started) / 1_000_000);
    }

    private LabelledImageStream openImages(final ProcessContext context, final FlowFile original, final InputStream content)
            throws IOException, DatasetFormatException {
        if (datasetFormat == DatasetFormat.CIFAR10_BINARY) {
            return Cifar10BinaryReader.open(content);
        }
        final String labelFileValue = context.getProperty(LABEL_FILE).evaluateAttributeExpressions(original).getValue();
        if (labelFileValue == null || labelFileValue.isBlank()) {
            throw new DatasetFormatException("Label File evaluated to an empty path for this FlowFile");
        }
        final Path labelFile = Path.of(labelFileValue);
        final InputStream labels;
        try {
            labels = Files.newInputStream(labelFile);
        } catch (final NoSuchFileException e) {
            throw new DatasetFormatException("The IDX label file " + labelFile + " does not exist", e);
        }
        final LabelledImageStream images = IdxReader.open(content, labels);
        if (images.declaredCount() > maximumImages) {
            images.close();
            throw new DatasetFormatException("The IDX image file declares " + images.declaredCount() + " images, more than Maximum Images ("
                    + maximumImages + ")");
        }
        return images;
    }

    private void unpack(final ProcessSession session, final FlowFile original, final LabelledImageStream images, final List<FlowFile> children)
            throws IOException, DatasetFormatException {
        final int height = images.height();
        final int width = images.width();
        final int channels = images.channels();
        final byte[] pixels = new byte[height * width * channels];
        final String fragmentIdentifier = original.getAttribute(CoreAttributes.UUID.key());
        final String originalFilename = original.getAttribute(CoreAttributes.FILENAME.key());
        int index = 0;
        int label = images.readNext(pixels);
        while (label >= 0) {
            if (index == maximumImages) {
                throw new DatasetFormatException("The " + datasetFormat.getDisplayName() + " data holds more than Maximum Images ("
                        + maximumImages + ") images");
            }
            final byte[] png = DatasetImagePngEncoder.encode(pixels, height, width, channels);
            FlowFile child = session.create(original);
            children.add(child);
            child = session.write(child, output -> output.write(png));
            final Map<String, String> attributes = new HashMap<>();
            attributes.put(CnnAttributes.DATASET_LABEL_INDEX, Integer.toString(label));
            attributes.put(CnnAttributes.DATASET_LABEL, classNames.nameOf(label));
            attributes.put(CnnAttributes.DATASET_INDEX, Integer.toString(index));
            attributes.put(CnnAttributes.DATASET_FORMAT, datasetFormat.name());
            attributes.put(CnnAttributes.IMAGE_WIDTH, Integer.toString(width));
            attributes.put(CnnAttributes.IMAGE_HEIGHT, Integer.toString(height));
            attributes.put(CoreAttributes.FILENAME.key(), index + "_" + classNames.fileNameOf(label) + ".png");
            attributes.put(CoreAttributes.MIME_TYPE.key(), "image/png");
            attributes.put(FragmentAttributes.FRAGMENT_ID.key(), fragmentIdentifier);
            attributes.put(FragmentAttributes.FRAGMENT_INDEX.key(), Integer.toString(index));
            attributes.put(FragmentAttributes.SEGMENT_ORIGINAL_FILENAME.key(), originalFilename);
            child = session.putAllAttributes(child, attributes);
            children.set(children.size() - 1, child);
            index++;
            label = images.readNext(pixels);
        }
    }
}

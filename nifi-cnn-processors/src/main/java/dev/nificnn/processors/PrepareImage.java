package dev.nificnn.processors;

import dev.nificnn.image.ChannelOrder;
import dev.nificnn.image.DecodedImage;
import dev.nificnn.image.ImageDecodeException;
import dev.nificnn.image.ImageDecoder;
import dev.nificnn.image.ImageEncoder;
import dev.nificnn.image.ImageTensorizer;
import dev.nificnn.image.NormalisationValues;
import dev.nificnn.image.Interpolation;
import dev.nificnn.image.NpyWriter;
import dev.nificnn.image.ResizeMode;
import dev.nificnn.image.TensorLayout;
import dev.nificnn.image.SourceImageInfo;
import dev.nificnn.image.TensorSpec;
import dev.nificnn.services.AllowableChoices;
import dev.nificnn.services.PreprocessingProperties;
import org.apache.nifi.annotation.behavior.InputRequirement;
import org.apache.nifi.annotation.behavior.SupportsBatching;
import org.apache.nifi.annotation.behavior.WritesAttribute;
import org.apache.nifi.annotation.behavior.WritesAttributes;
import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.annotation.documentation.UseCase;
import org.apache.nifi.annotation.lifecycle.OnScheduled;
import org.apache.nifi.components.DescribedValue;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.PropertyValue;
import org.apache.nifi.components.ValidationContext;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.migration.PropertyConfiguration;
import org.apache.nifi.flowfile.attributes.CoreAttributes;
import org.apache.nifi.processor.AbstractProcessor;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.ProcessSession;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.processor.exception.ProcessException;
import org.apache.nifi.processor.util.StandardValidators;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** Decodes any common image, turns it upright, resizes it and writes it as a PNG or JPEG image or as a normalised float32 {@code .npy} tensor. */
@SupportsBatching
@InputRequirement(InputRequirement.Requirement.INPUT_REQUIRED)
@Tags({"image", "cnn", "resize", "tensor", "npy", "jpeg", "png", "webp", "tiff", "machine learning", "preprocessing"})
@CapabilityDescription("Decodes a JPEG (including CMYK/YCCK and progressive), PNG (including 16-bit, palette and alpha), BMP, GIF (first frame), "
        + "TIFF or WebP image, recognised from its content, turns it upright according to its EXIF orientation and converts it to RGB. "
        + "It then resizes it (stretch, shorter side and centre crop, or fit and pad) with nearest, bilinear, bicubic or area interpolation, "
        + "giving the same pixels as Pillow's Image.resize, and writes either a PNG or JPEG image or a float32 .npy tensor (CHW or HWC, "
        + "RGB or BGR, value = (pixel x Scale - Mean) / Std) that numpy.load reads. Images that cannot be decoded, are damaged, or declare "
        + "more pixels than Maximum Image Pixels go to failure with the reason in cnn.error.")
@WritesAttributes({
    @WritesAttribute(attribute = CnnAttributes.IMAGE_ORIGINAL_WIDTH, description = "Width of the decoded, upright source image in pixels"),
    @WritesAttribute(attribute = CnnAttributes.IMAGE_ORIGINAL_HEIGHT, description = "Height of the decoded, upright source image in pixels"),
    @WritesAttribute(attribute = CnnAttributes.IMAGE_WIDTH, description = "Width of the prepared image or tensor in pixels"),
    @WritesAttribute(attribute = CnnAttributes.IMAGE_HEIGHT, description = "Height of the prepared image or tensor in pixels"),
    @WritesAttribute(attribute = CnnAttributes.IMAGE_FORMAT, description = "Format the source was decoded from: jpeg, png, gif, bmp, tiff or webp"),
    @WritesAttribute(attribute = CnnAttributes.TENSOR_SHAPE, description = "Shape of the tensor written, e.g. [3,224,224] (tensor output only)"),
    @WritesAttribute(attribute = CnnAttributes.TENSOR_TYPE, description = "Element type of the tensor written: float32 (tensor output only)"),
    @WritesAttribute(attribute = "mime.type", description = "image/png, image/jpeg or application/x-npy"),
    @WritesAttribute(attribute = CnnAttributes.ERROR, description = "Why the FlowFile was routed to failure")
})
@UseCase(
    description = "Turn incoming images into the normalised tensors a torchvision ImageNet model expects, as .npy files that Python reads with numpy.load.",
    configuration = """
        Set "Output Format" to "NPY Tensor", "Width" and "Height" to 224, "Resize Mode" to "Shorter Side Crop", "Shorter Side" to 256
        and "Interpolation" to "Bilinear" (torchvision's Resize(256) then CenterCrop(224)).
        Set "Tensor Layout" to "CHW", "Channel Order" to "RGB", "Scale" to "1/255", "Mean" to "0.485,0.456,0.406" and "Std" to "0.229,0.224,0.225".
        Route "failure" somewhere an operator looks: cnn.error says why each image was refused.
        """)
@UseCase(
    description = "Make uniform JPEG thumbnails of images of any common format, whatever their orientation flag.",
    configuration = """
        Set "Output Format" to "JPEG", "JPEG Quality" to 85, "Width" and "Height" to the thumbnail size and "Resize Mode" to "Fit and Pad"
        (keeps the whole picture, black borders) or "Shorter Side Crop" (fills the frame). Use "Area" interpolation for strong reductions.
        """)
public class PrepareImage extends AbstractProcessor {

    static final String NPY_MIME_TYPE = "application/x-npy";

    /** What the processor writes. */
    public enum OutputFormat implements DescribedValue {
        PNG("PNG", "A lossless PNG image of the prepared pixels"),
        JPEG("JPEG", "A baseline JPEG image of the prepared pixels, at the JPEG Quality"),
        NPY_TENSOR("NPY Tensor", "A float32 little-endian .npy array of the normalised pixels, shaped by Tensor Layout");

        private final String displayName;
        private final String description;

        OutputFormat(final String displayName, final String description) {
            this.displayName = displayName;
            this.description = description;
        }

        @Override
        public String getValue() {
            return name();
        }

        @Override
        public String getDisplayName() {
            return displayName;
        }

        @Override
        public String getDescription() {
            return description;
        }
    }

    public static final PropertyDescriptor WIDTH = new PropertyDescriptor.Builder()
            .name("Width")
            .description("Width of the prepared image or tensor in pixels")
            .required(true)
            .defaultValue("224")
            .addValidator(StandardValidators.createLongValidator(1, 16_384, true))
            .build();

    public static final PropertyDescriptor HEIGHT = new PropertyDescriptor.Builder()
            .name("Height")
            .description("Height of the prepared image or tensor in pixels")
            .required(true)
            .defaultValue("224")
            .addValidator(StandardValidators.createLongValidator(1, 16_384, true))
            .build();

    public static final PropertyDescriptor RESIZE_MODE = PreprocessingProperties.RESIZE_MODE;

    public static final PropertyDescriptor SHORTER_SIDE = PreprocessingProperties.SHORTER_SIDE;

    public static final PropertyDescriptor INTERPOLATION = PreprocessingProperties.INTERPOLATION;

    public static final PropertyDescriptor OUTPUT_FORMAT = new PropertyDescriptor.Builder()
            .name("Output Format")
            .description("Whether the prepared image is written as an image file or as a normalised tensor")
            .required(true)
            .allowableValues(OutputFormat.class)
            .defaultValue(OutputFormat.PNG)
            .build();

    public static final PropertyDescriptor JPEG_QUALITY = new PropertyDescriptor.Builder()
            .name("JPEG Quality")
            .description("Quality of the JPEG written, from 0 (smallest) to 100 (best)")
            .required(true)
            .defaultValue("90")
            .addValidator(StandardValidators.createLongValidator(0, 100, true))
            .dependsOn(OUTPUT_FORMAT, OutputFormat.JPEG)
            .build();

    public static final PropertyDescriptor TENSOR_LAYOUT = tensorOnly(PreprocessingProperties.TENSOR_LAYOUT);

    public static final PropertyDescriptor CHANNEL_ORDER = tensorOnly(PreprocessingProperties.CHANNEL_ORDER);

    public static final PropertyDescriptor SCALE = tensorOnly(PreprocessingProperties.SCALE);

    public static final PropertyDescriptor MEAN = tensorOnly(PreprocessingProperties.MEAN);

    public static final PropertyDescriptor STD = tensorOnly(PreprocessingProperties.STD);

    public static final PropertyDescriptor MAXIMUM_IMAGE_PIXELS = PreprocessingProperties.MAXIMUM_IMAGE_PIXELS;

    public static final PropertyDescriptor JPEG_DRAFT_DECODING = new PropertyDescriptor.Builder()
            .fromPropertyDescriptor(ImageInputProperties.JPEG_DRAFT_DECODING)
            .description("When true, a JPEG several times larger than the output is decoded at 1/2, 1/4 or 1/8 of its size by libjpeg's"
                    + " DCT scaling, as Pillow's Image.draft does: the largest reduction that still leaves it at least as large as the resize"
                    + " needs. Several times faster for camera-sized photos; the output then equals Pillow's draft followed by the resize"
                    + " instead of a full decode followed by the resize. The original size attributes still give the stored size. Needs"
                    + " libjpeg-turbo (see the logged JPEG decoding); without it, JPEGs it does not decode (greyscale, CMYK/YCCK, 4:4:0,"
                    + " damaged) and other formats are decoded at full size.")
            .build();

    public static final Relationship REL_SUCCESS = new Relationship.Builder()
            .name("success")
            .description("The prepared image or tensor")
            .build();

    public static final Relationship REL_FAILURE = new Relationship.Builder()
            .name("failure")
            .description("Content that is not a decodable image, is damaged, or is too large, unchanged, with cnn.error saying why")
            .build();

    private static final List<PropertyDescriptor> PROPERTY_DESCRIPTORS = List.of(WIDTH, HEIGHT, RESIZE_MODE, SHORTER_SIDE, INTERPOLATION, OUTPUT_FORMAT, JPEG_QUALITY,
            TENSOR_LAYOUT, CHANNEL_ORDER, SCALE, MEAN, STD, MAXIMUM_IMAGE_PIXELS, JPEG_DRAFT_DECODING);

    private static final Set<Relationship> RELATIONSHIPS = Set.of(REL_SUCCESS, REL_FAILURE);

    private volatile ImageTensorizer tensorizer;
    private volatile TensorSpec spec;
    private volatile OutputFormat outputFormat;
    private volatile int jpegQuality;

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
        final PropertyValue shorterSide = context.getProperty(SHORTER_SIDE);
        final PropertyValue width = context.getProperty(WIDTH);
        final PropertyValue height = context.getProperty(HEIGHT);
        if (shorterSide.isSet() && context.getProperty(RESIZE_MODE).getValue().equals(ResizeMode.SHORTER_SIDE_CROP.getValue())
                && isInteger(shorterSide.getValue()) && isInteger(width.getValue()) && isInteger(height.getValue())) {
            final long larger = Math.max(width.asLong(), height.asLong());
            if (shorterSide.asLong() < larger) {
                results.add(new ValidationResult.Builder().subject(SHORTER_SIDE.getName()).input(shorterSide.getValue()).valid(false)
                        .explanation("must be at least the larger of Width and Height (" + larger + ") so that the centre crop lies inside the scaled image")
                        .build());
            }
        }
        return results;
    }

    @Override
    public void migrateProperties(final PropertyConfiguration config) {
        // Renamed to the name ClassifyImage and ExtractImageFeatures use for the same limit.
        config.renameProperty("Maximum Pixels", MAXIMUM_IMAGE_PIXELS.getName());
    }

    /** A shared preprocessing property, shown only when the output is a tensor. */
    private static PropertyDescriptor tensorOnly(final PropertyDescriptor property) {
        return new PropertyDescriptor.Builder().fromPropertyDescriptor(property).dependsOn(OUTPUT_FORMAT, OutputFormat.NPY_TENSOR).build();
    }

    private static boolean isInteger(final String value) {
        if (value == null) {
            return false;
        }
        try {
            Long.parseLong(value.strip());
            return true;
        } catch (final NumberFormatException e) {
            return false;
        }
    }

    @OnScheduled
    public void onScheduled(final ProcessContext context) {
        final int width = context.getProperty(WIDTH).asInteger();
        final int height = context.getProperty(HEIGHT).asInteger();
        final ResizeMode resizeMode = AllowableChoices.valueOf(context.getProperty(RESIZE_MODE), ResizeMode.class);
        final Interpolation interpolation = AllowableChoices.valueOf(context.getProperty(INTERPOLATION), Interpolation.class);
        final int shorterSide = resizeMode == ResizeMode.SHORTER_SIDE_CROP && context.getProperty(SHORTER_SIDE).isSet()
                ? context.getProperty(SHORTER_SIDE).asInteger() : 0;
        outputFormat = context.getProperty(OUTPUT_FORMAT).asAllowableValue(OutputFormat.class);
        jpegQuality = outputFormat == OutputFormat.JPEG ? context.getProperty(JPEG_QUALITY).asInteger() : 0;
        if (outputFormat == OutputFormat.NPY_TENSOR) {
            spec = new TensorSpec(width, height, resizeMode, interpolation,
                    AllowableChoices.valueOf(context.getProperty(TENSOR_LAYOUT), TensorLayout.class),
                    AllowableChoices.valueOf(context.getProperty(CHANNEL_ORDER), ChannelOrder.class),
                    NormalisationValues.scale(context.getProperty(SCALE).getValue()),
                    NormalisationValues.mean(context.getProperty(MEAN).getValue()),
                    NormalisationValues.std(context.getProperty(STD).getValue()), shorterSide);
        } else {
            spec = TensorSpec.unnormalised(width, height, resizeMode, interpolation, TensorLayout.HWC, ChannelOrder.RGB).withShorterSide(shorterSide);
        }
        final long maximumPixels = context.getProperty(MAXIMUM_IMAGE_PIXELS).asLong();
        final boolean jpegDraft = context.getProperty(JPEG_DRAFT_DECODING).asBoolean();
        tensorizer = new ImageTensorizer(spec, maximumPixels, jpegDraft);
        getLogger().info("JPEG decoding: {}", ImageDecoder.jpegDecoderStatus());
    }

    @Override
    public void onTrigger(final ProcessContext context, final ProcessSession session) throws ProcessException {
        FlowFile flowFile = session.get();
        if (flowFile == null) {
            return;
        }
        final long started = System.nanoTime();
        final byte[] content;
        try (InputStream input = session.read(flowFile)) {
            content = input.readAllBytes();
        } catch (final IOException e) {
            throw new ProcessException("Could not read the content of " + flowFile, e);
        }
        final Map<String, String> attributes = new HashMap<>();
        final byte[] output;
        try {
            if (outputFormat == OutputFormat.NPY_TENSOR) {
                output = tensorFile(content, attributes);
            } else {
                final DecodedImage resized = tensorizer.resize(content);
                putSizes(attributes, new SourceImageInfo(resized.format(), resized.sourceWidth(), resized.sourceHeight()));
                if (outputFormat == OutputFormat.JPEG) {
                    attributes.put(CoreAttributes.MIME_TYPE.key(), "image/jpeg");
                    output = ImageEncoder.jpeg(resized.image(), jpegQuality);
                } else {
                    attributes.put(CoreAttributes.MIME_TYPE.key(), "image/png");
                    output = ImageEncoder.png(resized.image());
                }
            }
        } catch (final ImageDecodeException e) {
            routeToFailure(session, flowFile, e.getMessage(), null);
            return;
        } catch (final RuntimeException e) {
            // Unexpected trouble inside a third-party decoder must not lose the FlowFile or stop the processor.
            routeToFailure(session, flowFile, "Image could not be prepared: " + e, e);
            return;
        }
        flowFile = session.write(flowFile, stream -> stream.write(output));
        flowFile = session.putAllAttributes(flowFile, attributes);
        flowFile = session.removeAttribute(flowFile, CnnAttributes.ERROR);
        session.getProvenanceReporter().modifyContent(flowFile, "Prepared as " + outputFormat.getDisplayName() + " " + spec.width() + "x" + spec.height(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        session.transfer(flowFile, REL_SUCCESS);
    }

    private byte[] tensorFile(final byte[] content, final Map<String, String> attributes) throws ImageDecodeException {
        final int[] shape = spec.shape();
        final int headerLength = NpyWriter.headerLength(shape);
        final ByteBuffer file = ByteBuffer.allocate(headerLength + Float.BYTES * spec.elementCount()).order(ByteOrder.LITTLE_ENDIAN);
        NpyWriter.writeHeader(file, shape, spec.elementCount());
        final FloatBuffer values = file.position(headerLength).slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        putSizes(attributes, tensorizer.prepare(content, values));
        attributes.put(CoreAttributes.MIME_TYPE.key(), NPY_MIME_TYPE);
        attributes.put(CnnAttributes.TENSOR_SHAPE, shapeText(shape));
        attributes.put(CnnAttributes.TENSOR_TYPE, "float32");
        return file.array();
    }

    private void putSizes(final Map<String, String> attributes, final SourceImageInfo source) {
        attributes.put(CnnAttributes.IMAGE_ORIGINAL_WIDTH, String.valueOf(source.width()));
        attributes.put(CnnAttributes.IMAGE_ORIGINAL_HEIGHT, String.valueOf(source.height()));
        attributes.put(CnnAttributes.IMAGE_WIDTH, String.valueOf(spec.width()));
        attributes.put(CnnAttributes.IMAGE_HEIGHT, String.valueOf(spec.height()));
        attributes.put(CnnAttributes.IMAGE_FORMAT, source.format().imageIoName());
    }

    private void routeToFailure(final ProcessSession session, final FlowFile flowFile, final String reason, final Throwable error) {
        if (error == null) {
            getLogger().warn("Routing {} to failure: {}", flowFile, reason);
        } else {
            getLogger().error("Routing {} to failure: {}", flowFile, reason, error);
        }
        session.transfer(session.putAttribute(flowFile, CnnAttributes.ERROR, reason), REL_FAILURE);
    }

    private static String shapeText(final int[] shape) {
        return Arrays.toString(shape).replace(" ", "");
    }
}

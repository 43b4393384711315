package dev.nificnn.services;

import dev.nificnn.image.ChannelOrder;
import dev.nificnn.image.ImageDecoder;
import dev.nificnn.image.Interpolation;
import dev.nificnn.image.NormalisationValues;
import dev.nificnn.image.ResizeMode;
import dev.nificnn.image.TensorLayout;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.components.Validator;
import org.apache.nifi.processor.util.StandardValidators;

import java.util.function.Function;

/**
 * The image preprocessing properties, defined once: PrepareImage and OnnxModelService's Model File mode build theirs from
 * these (adding only when each is shown), so both take the same names, syntax, validation and defaults as a model manifest.
 */
public final class PreprocessingProperties {

    public static final PropertyDescriptor RESIZE_MODE = new PropertyDescriptor.Builder()
            .name("Resize Mode")
            .description("How the aspect ratio of the source is handled when it is brought to the target width and height")
            .required(true)
            .allowableValues(AllowableChoices.of(ResizeMode.class))
            .defaultValue(ResizeMode.DEFAULT.getValue())
            .build();

    public static final PropertyDescriptor SHORTER_SIDE = new PropertyDescriptor.Builder()
            .name("Shorter Side")
            .description("With Shorter Side Crop: the length the source's shorter side is scaled to before the centre is cut, as"
                    + " torchvision's Resize(S) then CenterCrop for ResNet or MobileNet (256 with a 224 x 224 crop). Must be at least the"
                    + " larger of the target width and height. When not set, the shorter side is scaled straight to the crop size.")
            .required(false)
            .addValidator(StandardValidators.createLongValidator(1, 65_536, true))
            .dependsOn(RESIZE_MODE, ResizeMode.SHORTER_SIDE_CROP.getValue())
            .build();

    public static final PropertyDescriptor INTERPOLATION = new PropertyDescriptor.Builder()
            .name("Interpolation")
            .description("Resampling filter used to resize (the same pixels as Pillow's filter of that name)")
            .required(true)
            .allowableValues(AllowableChoices.of(Interpolation.class))
            .defaultValue(Interpolation.DEFAULT.getValue())
            .build();

    public static final PropertyDescriptor TENSOR_LAYOUT = new PropertyDescriptor.Builder()
            .name("Tensor Layout")
            .description("Order of the tensor's dimensions")
            .required(true)
            .allowableValues(AllowableChoices.of(TensorLayout.class))
            .defaultValue(TensorLayout.DEFAULT.getValue())
            .build();

    public static final PropertyDescriptor CHANNEL_ORDER = new PropertyDescriptor.Builder()
            .name("Channel Order")
            .description("Order of the colour channels in the tensor; Mean and Std are listed in this order")
            .required(true)
            .allowableValues(AllowableChoices.of(ChannelOrder.class))
            .defaultValue(ChannelOrder.DEFAULT.getValue())
            .build();

    public static final PropertyDescriptor SCALE = new PropertyDescriptor.Builder()
            .name("Scale")
            .description("Factor applied to each 0..255 pixel value before Mean is subtracted: a non-zero decimal number or a fraction such"
                    + " as 1/255 (torchvision models: 1/255; Caffe models: 1)")
            .required(true)
            .defaultValue(NormalisationValues.DEFAULT_SCALE)
            .addValidator(parsedBy(NormalisationValues::scale))
            .build();

    public static final PropertyDescriptor MEAN = new PropertyDescriptor.Builder()
            .name("Mean")
            .description("Value subtracted from each scaled pixel: one number for all channels or three comma-separated numbers in Channel"
                    + " Order (torchvision RGB: 0.485,0.456,0.406; Caffe BGR with Scale 1: 104,117,123)")
            .required(true)
            .defaultValue(NormalisationValues.DEFAULT_MEAN)
            .addValidator(parsedBy(NormalisationValues::mean))
            .build();

    public static final PropertyDescriptor STD = new PropertyDescriptor.Builder()
            .name("Std")
            .description("Standard deviation each value is divided by after Mean is subtracted: one positive number or three comma-separated"
                    + " positive numbers in Channel Order (torchvision: 0.229,0.224,0.225; Caffe: 1)")
            .required(true)
            .defaultValue(NormalisationValues.DEFAULT_STD)
            .addValidator(parsedBy(NormalisationValues::std))
            .build();

    public static final PropertyDescriptor MAXIMUM_IMAGE_PIXELS = new PropertyDescriptor.Builder()
            .name("Maximum Image Pixels")
            .description("Largest width x height a source image may declare; larger images (such as decompression bombs) go to failure"
                    + " without being decoded. The default is 50 megapixels (a decoded image takes 4 bytes a pixel while it is resized).")
            .required(true)
            .defaultValue(String.valueOf(ImageDecoder.DEFAULT_MAX_PIXELS))
            .addValidator(StandardValidators.createLongValidator(1, Long.MAX_VALUE, true))
            .build();

    private PreprocessingProperties() {
    }

    /** A validator that accepts what {@code parser} parses and explains with the parser's message otherwise. */
    private static Validator parsedBy(final Function<String, ?> parser) {
        return (subject, input, context) -> {
            String problem = null;
            try {
                parser.apply(input);
            } catch (final IllegalArgumentException e) {
                problem = e.getMessage();
            }
            return new ValidationResult.Builder().subject(subject).input(input).valid(problem == null).explanation(problem).build();
        };
    }
}

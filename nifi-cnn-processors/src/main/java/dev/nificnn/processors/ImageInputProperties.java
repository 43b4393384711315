package dev.nificnn.processors;

import dev.nificnn.services.PreprocessingProperties;
import org.apache.nifi.components.PropertyDescriptor;

/** Properties shared by the processors that decode images for an ONNX model. */
final class ImageInputProperties {

    public static final PropertyDescriptor MAXIMUM_IMAGE_PIXELS = PreprocessingProperties.MAXIMUM_IMAGE_PIXELS;

    public static final PropertyDescriptor JPEG_DRAFT_DECODING = new PropertyDescriptor.Builder()
            .name("JPEG Draft Decoding")
            .description("When true, a JPEG several times larger than the model's input is decoded at 1/2, 1/4 or 1/8 of its size by"
                    + " libjpeg's DCT scaling, as Pillow's Image.draft does: the largest reduction that still leaves it at least as large as"
                    + " the resize needs. Several times faster for camera-sized photos; the pixels then equal Pillow's draft followed by the"
                    + " resize instead of a full decode followed by the resize. Needs libjpeg-turbo (see the processor's logged JPEG"
                    + " decoding); without it, JPEGs it does not decode (greyscale, CMYK/YCCK, 4:4:0, damaged) and other formats are"
                    + " decoded at full size.")
            .required(true)
            .allowableValues("true", "false")
            .defaultValue("false")
            .build();

    private ImageInputProperties() {
    }
}

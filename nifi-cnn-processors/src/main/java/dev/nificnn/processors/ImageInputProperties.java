package dev.nificnn.processors;

import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.processor.util.StandardValidators;

/** Properties shared by the processors that decode images for an ONNX model. */
final class ImageInputProperties {

    static final PropertyDescriptor MAXIMUM_IMAGE_PIXELS = new PropertyDescriptor.Builder()
            .name("Maximum Image Pixels")
            .description("Images declaring more pixels (width x height) are refused before decoding, guarding memory against decompression bombs.")
            .required(true)
            .defaultValue("100000000")
            .addValidator(StandardValidators.createLongValidator(1, Long.MAX_VALUE, true))
            .build();

    private ImageInputProperties() {
    }
}

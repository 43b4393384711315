package dev.nificnn.image;

/** Every ImageDecoderTest case again with ImageIO decoding every JPEG: the path of a JVM without libjpeg-turbo. */
class ImageDecoderWithoutLibjpegTurboTest extends ImageDecoderTest {

    @Override
    ImageDecoder newDecoder() {
        return ImageDecoder.withoutLibjpegTurbo(ImageDecoder.DEFAULT_MAX_PIXELS);
    }
}

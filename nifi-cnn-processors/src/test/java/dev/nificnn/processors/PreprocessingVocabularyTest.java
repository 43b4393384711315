package dev.nificnn.processors;

import dev.nificnn.image.ChannelOrder;
import dev.nificnn.image.ImageDecoder;
import dev.nificnn.image.Interpolation;
import dev.nificnn.image.ResizeMode;
import dev.nificnn.image.TensorSpec;
import dev.nificnn.onnx.ModelManifest;
import dev.nificnn.onnx.ModelManifestException;
import dev.nificnn.services.OnnxModelService;
import org.apache.nifi.components.AllowableValue;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.Validator;
import org.apache.nifi.util.MockPropertyConfiguration;
import org.apache.nifi.util.PropertyMigrationResult;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PrepareImage, OnnxModelService's Model File mode and the model manifest speak one preprocessing vocabulary: the same names,
 * allowable values, defaults and validation (issue 14 point 1).
 */
class PreprocessingVocabularyTest {

    private static final List<PropertyDescriptor[]> SAME_PROPERTY = List.of(
            new PropertyDescriptor[] {PrepareImage.RESIZE_MODE, OnnxModelService.RESIZE_MODE},
            new PropertyDescriptor[] {PrepareImage.SHORTER_SIDE, OnnxModelService.SHORTER_SIDE},
            new PropertyDescriptor[] {PrepareImage.INTERPOLATION, OnnxModelService.INTERPOLATION},
            new PropertyDescriptor[] {PrepareImage.CHANNEL_ORDER, OnnxModelService.CHANNEL_ORDER},
            new PropertyDescriptor[] {PrepareImage.SCALE, OnnxModelService.SCALE},
            new PropertyDescriptor[] {PrepareImage.MEAN, OnnxModelService.MEAN},
            new PropertyDescriptor[] {PrepareImage.STD, OnnxModelService.STD},
            new PropertyDescriptor[] {PrepareImage.MAXIMUM_IMAGE_PIXELS, ClassifyImage.MAXIMUM_IMAGE_PIXELS},
            new PropertyDescriptor[] {PrepareImage.MAXIMUM_IMAGE_PIXELS, ExtractImageFeatures.MAXIMUM_IMAGE_PIXELS});

    @Test
    void theProcessorAndTheServiceShowOnePropertyForEachIdea() {
        for (final PropertyDescriptor[] pair : SAME_PROPERTY) {
            final PropertyDescriptor processor = pair[0];
            final PropertyDescriptor other = pair[1];
            assertEquals(processor.getName(), other.getName());
            assertEquals(processor.getDefaultValue(), other.getDefaultValue(), processor.getName());
            assertEquals(values(processor), values(other), processor.getName());
            assertEquals(processor.getDescription(), other.getDescription(), processor.getName());
        }
        assertEquals("STRETCH", PrepareImage.RESIZE_MODE.getDefaultValue());
        assertEquals("STRETCH", OnnxModelService.RESIZE_MODE.getDefaultValue());
        assertEquals("1/255", OnnxModelService.SCALE.getDefaultValue());
        assertEquals(String.valueOf(ImageDecoder.DEFAULT_MAX_PIXELS), ClassifyImage.MAXIMUM_IMAGE_PIXELS.getDefaultValue());
        assertEquals(List.of("Stretch", "Shorter Side Crop", "Fit and Pad"),
                PrepareImage.RESIZE_MODE.getAllowableValues().stream().map(AllowableValue::getDisplayName).toList());
    }

    @Test
    void scaleMeanAndStdAreValidatedAlikeEverywhere() throws ModelManifestException {
        final Map<String, Boolean> scales = Map.of("1/255", true, "1", true, "0.5", true, "0", false, "1/0", false, "NaN", false,
                "one", false, "1,1", false);
        final Map<String, Boolean> means = Map.of("0.485,0.456,0.406", true, "104, 117, 123", true, "0.5", true, "1,2", false,
                "1,2,3,4", false, "x,1,2", false, "Infinity", false);
        final Map<String, Boolean> stds = Map.of("0.229,0.224,0.225", true, "58.4", true, "1,0,1", false, "-1", false, "1,1", false);
        for (final Map.Entry<String, Boolean> scale : scales.entrySet()) {
            assertValidatedAlike(PrepareImage.SCALE, OnnxModelService.SCALE, scale.getKey(), scale.getValue());
            assertEquals(scale.getValue(), manifestAccepts("\"scale\": \"" + scale.getKey() + "\""), "manifest scale " + scale.getKey());
        }
        for (final Map.Entry<String, Boolean> mean : means.entrySet()) {
            assertValidatedAlike(PrepareImage.MEAN, OnnxModelService.MEAN, mean.getKey(), mean.getValue());
            assertEquals(mean.getValue(), manifestAccepts("\"mean\": \"" + mean.getKey() + "\""), "manifest mean " + mean.getKey());
        }
        for (final Map.Entry<String, Boolean> std : stds.entrySet()) {
            assertValidatedAlike(PrepareImage.STD, OnnxModelService.STD, std.getKey(), std.getValue());
            assertEquals(std.getValue(), manifestAccepts("\"std\": \"" + std.getKey() + "\""), "manifest std " + std.getKey());
        }
    }

    @Test
    void theManifestTakesThePropertiesSyntaxAndDefaults() throws ModelManifestException {
        final TensorSpec spec = manifest("""
                "channelOrder": "BGR", "scale": "1/255", "mean": 0.5, "std": [0.25], "layout": "HWC\"""").input().tensorSpec();
        assertEquals(1f / 255, spec.scale());
        assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f}, spec.mean());
        assertArrayEquals(new float[] {0.25f, 0.25f, 0.25f}, spec.std());
        assertEquals(ResizeMode.DEFAULT, spec.resizeMode());
        assertEquals(Interpolation.DEFAULT, spec.interpolation());
        assertEquals(ChannelOrder.BGR, spec.channelOrder());
        assertEquals("HWC", spec.layout().name());

        final TensorSpec cropped = manifest("""
                "channelOrder": "RGB", "scale": 1, "mean": [0, 0, 0], "std": [1, 1, 1], "resizeMode": "SHORTER_SIDE_CROP", "shorterSide": 40""")
                .input().tensorSpec();
        assertEquals(ResizeMode.SHORTER_SIDE_CROP, cropped.resizeMode());
        assertEquals(40, cropped.shorterSide());
        final TensorSpec earlierKeys = manifest("""
                "channelOrder": "RGB", "scale": 1, "mean": [0, 0, 0], "std": [1, 1, 1], "resize": "SHORTER_SIDE_CROP", "resizeShorterSide": 40""")
                .input().tensorSpec();
        assertEquals(cropped, earlierKeys, "manifests written with the earlier key names read the same");
    }

    @Test
    void aNormalisationValueTheManifestRefusesIsExplainedInThePropertiesWords() {
        final ModelManifestException refused = assertThrows(ModelManifestException.class,
                () -> manifest("\"channelOrder\": \"RGB\", \"scale\": \"1/0\", \"mean\": [0, 0, 0], \"std\": [1, 1, 1]"));
        assertTrue(refused.getMessage().endsWith("'input.scale' '1/0' is not a finite number"), refused.getMessage());
    }

    @Test
    void prepareImageFlowsWithTheEarlierPixelLimitNameLoad() {
        final MockPropertyConfiguration configuration = new MockPropertyConfiguration(Map.of("Maximum Pixels", "1234"));
        new PrepareImage().migrateProperties(configuration);
        final PropertyMigrationResult result = configuration.toPropertyMigrationResult();
        assertEquals(Map.of("Maximum Pixels", "Maximum Image Pixels"), result.getPropertiesRenamed());
        assertEquals("1234", configuration.getRawProperties().get("Maximum Image Pixels"));
    }

    private static void assertValidatedAlike(final PropertyDescriptor processor, final PropertyDescriptor service, final String input,
                                             final boolean valid) {
        assertEquals(valid, validates(processor, input), processor.getName() + " '" + input + "' in PrepareImage");
        assertEquals(valid, validates(service, input), service.getName() + " '" + input + "' in OnnxModelService");
    }

    private static boolean validates(final PropertyDescriptor property, final String input) {
        for (final Validator validator : property.getValidators()) {
            if (!validator.validate(property.getName(), input, null).isValid()) {
                return false;
            }
        }
        return true;
    }

    private static boolean manifestAccepts(final String field) {
        final String defaults = Map.of("scale", "\"scale\": 1", "mean", "\"mean\": [0, 0, 0]", "std", "\"std\": [1, 1, 1]").entrySet().stream()
                .filter(entry -> !field.startsWith("\"" + entry.getKey() + "\""))
                .map(Map.Entry::getValue).collect(Collectors.joining(", "));
        try {
            manifest("\"channelOrder\": \"RGB\", " + defaults + ", " + field);
            return true;
        } catch (final ModelManifestException e) {
            return false;
        }
    }

    private static ModelManifest manifest(final String preprocessing) throws ModelManifestException {
        final String json = "{\"name\": \"m\", \"file\": \"m.onnx\", \"input\": {\"name\": \"x\", \"width\": 32, \"height\": 32, " + preprocessing
                + "}, \"output\": {\"name\": \"y\"}}";
        return ModelManifest.parse(json.getBytes(StandardCharsets.UTF_8), Path.of("/models/m.json"));
    }

    private static List<String> values(final PropertyDescriptor property) {
        return property.getAllowableValues() == null ? List.of()
                : property.getAllowableValues().stream().map(value -> value.getValue() + "|" + value.getDisplayName() + "|" + value.getDescription()).toList();
    }
}

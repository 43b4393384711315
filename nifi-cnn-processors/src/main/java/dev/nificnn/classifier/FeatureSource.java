package dev.nificnn.classifier;

/**
 * Which CNN model and layer produced a set of feature vectors (both may be null when the records do not say).
 *
 * @param model the feature model id
 * @param layer the layer name
 */
public record FeatureSource(String model, String layer) {

    public static final FeatureSource UNKNOWN = new FeatureSource(null, null);
}

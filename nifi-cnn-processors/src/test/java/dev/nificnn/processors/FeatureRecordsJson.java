package dev.nificnn.processors;

import dev.nificnn.classifier.FeatureMatrix;

import java.util.Locale;

/** Writes feature matrices as the JSON records ExtractImageFeatures emits, for feeding the processors in tests. */
final class FeatureRecordsJson {

    private FeatureRecordsJson() {
    }

    static String of(final FeatureMatrix matrix) {
        final StringBuilder json = new StringBuilder("[");
        for (int row = 0; row < matrix.rows(); row++) {
            if (row > 0) {
                json.append(",\n");
            }
            json.append("{\"features\":[");
            for (int column = 0; column < matrix.columns(); column++) {
                if (column > 0) {
                    json.append(',');
                }
                json.append(String.format(Locale.ROOT, "%.6f", matrix.values()[row * matrix.columns() + column]));
            }
            json.append("],\"label\":\"").append(matrix.classLabels().get(matrix.classIndexes()[row]))
                    .append("\",\"source\":\"image-").append(row).append(".png\",\"model\":\"squeezenet1.1\",\"layer\":\"fire9/concat_1\"}");
        }
        return json.append("]").toString();
    }
}

package dev.nificnn.processors;

import org.apache.nifi.flowfile.FlowFile;

/**
 * Tells a failed image from feature records at the trainer: an image that failed upstream (FetchFile could not read it,
 * ExtractImageFeatures could not decode it) reaches TrainImageClassifier with its reason, and is counted for its set instead of
 * being waited for.
 */
final class FailedImages {

    static final String FETCH_FAILURE_ATTRIBUTE = "fetch.failure.reason";
    static final String RECORD_COUNT_ATTRIBUTE = "record.count";

    private FailedImages() {
    }

    /** Returns why the FlowFile failed upstream, or null when it did not. */
    static String reason(final FlowFile flowFile) {
        final String error = flowFile.getAttribute(CnnAttributes.ERROR);
        if (error != null && !error.isBlank()) {
            return error;
        }
        final String fetchFailure = flowFile.getAttribute(FETCH_FAILURE_ATTRIBUTE);
        return fetchFailure != null && !fetchFailure.isBlank() ? "FetchFile: " + fetchFailure : null;
    }

    /** How many images the FlowFile stands for: its record count when it has one, else 1. */
    static long count(final FlowFile flowFile) {
        final String recordCount = flowFile.getAttribute(RECORD_COUNT_ATTRIBUTE);
        if (recordCount != null) {
            try {
                final long count = Long.parseLong(recordCount.trim());
                if (count > 0) {
                    return count;
                }
            } catch (final NumberFormatException e) {
                // not a count: the FlowFile stands for one image
            }
        }
        return 1;
    }
}

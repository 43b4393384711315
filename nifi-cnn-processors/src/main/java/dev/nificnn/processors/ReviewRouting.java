package dev.nificnn.processors;

import dev.nificnn.review.ReviewRule;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.processor.ProcessContext;
import org.apache.nifi.processor.Relationship;

import java.util.Collections;
import java.util.HashSet;
import java.util.Set;

/**
 * The review properties and relationship ClassifyImage and ScoreImageClassifier share. The {@code review} relationship exists
 * only while a review property is set, so flows that do not use review (and their auto-terminated relationships) stay valid
 * and unchanged, as RouteOnAttribute's relationships follow its properties.
 */
final class ReviewRouting {

    static final PropertyDescriptor REVIEW_SCORE_THRESHOLD = new PropertyDescriptor.Builder()
            .name("Review Score Threshold")
            .description("When set, a prediction whose top probability is below this (0 to 1) goes to 'review' instead of 'success',"
                    + " for a person to label. Empty: no score test. Pick it from the score distribution of a validation set:"
                    + " e.g. the score under which accuracy falls below what the flow may act on.")
            .required(false)
            .addValidator(new DoubleRangeValidator(0, true, 1, true))
            .build();

    static final PropertyDescriptor REVIEW_MARGIN = new PropertyDescriptor.Builder()
            .name("Review Margin")
            .description("When set, a prediction whose top two probabilities differ by less than this (0 to 1) goes to 'review'"
                    + " instead of 'success': the model cannot tell two classes apart. Empty: no margin test.")
            .required(false)
            .addValidator(new DoubleRangeValidator(0, true, 1, true))
            .build();

    static final Relationship REL_REVIEW = new Relationship.Builder()
            .name("review")
            .description("Predictions too unsure to act on (Review Score Threshold, Review Margin), with cnn.review.reason;"
                    + " only present while one of those properties is set")
            .build();

    private final Set<Relationship> withoutReview;
    private final Set<Relationship> withReview;
    private volatile boolean scoreTestSet;
    private volatile boolean marginTestSet;

    ReviewRouting(final Set<Relationship> relationships) {
        this.withoutReview = relationships;
        final Set<Relationship> all = new HashSet<>(relationships);
        all.add(REL_REVIEW);
        this.withReview = Collections.unmodifiableSet(all);
    }

    /** The processor's relationships now: with 'review' while a review property is set. */
    Set<Relationship> relationships() {
        return scoreTestSet || marginTestSet ? withReview : withoutReview;
    }

    /** Follows a property change from the processor's onPropertyModified. */
    void onPropertyModified(final PropertyDescriptor descriptor, final String newValue) {
        final boolean set = newValue != null && !newValue.isBlank();
        if (REVIEW_SCORE_THRESHOLD.equals(descriptor)) {
            scoreTestSet = set;
        } else if (REVIEW_MARGIN.equals(descriptor)) {
            marginTestSet = set;
        }
    }

    /** The rule the processor's review properties describe (ReviewRule.NONE when neither is set). */
    static ReviewRule rule(final ProcessContext context) {
        return new ReviewRule(value(context, REVIEW_SCORE_THRESHOLD), value(context, REVIEW_MARGIN));
    }

    private static double value(final ProcessContext context, final PropertyDescriptor descriptor) {
        final String value = context.getProperty(descriptor).getValue();
        return value == null || value.isBlank() ? Double.NaN : Double.parseDouble(value.trim());
    }
}

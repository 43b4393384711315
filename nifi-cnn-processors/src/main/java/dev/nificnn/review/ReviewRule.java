package dev.nificnn.review;

import java.util.Locale;

/**
 * When a prediction is too unsure to act on and should be looked at by a person: its top probability is under a threshold, or
 * the top two probabilities are too close to tell apart. Either test can be off (NaN). Shared by ClassifyImage (ImageNet
 * classes) and ScoreImageClassifier (a classifier trained in the flow), so that both judge confidence the same way.
 *
 * @param scoreThreshold review when the top probability is below this (0 to 1), or NaN for no score test
 * @param marginThreshold review when top - second probability is below this (0 to 1), or NaN for no margin test
 */
public record ReviewRule(double scoreThreshold, double marginThreshold) {

    /** A rule that never asks for review. */
    public static final ReviewRule NONE = new ReviewRule(Double.NaN, Double.NaN);

    public ReviewRule {
        requireProbabilityOrNaN(scoreThreshold, "score threshold");
        requireProbabilityOrNaN(marginThreshold, "margin threshold");
    }

    /** Whether any test is on. */
    public boolean enabled() {
        return !Double.isNaN(scoreThreshold) || !Double.isNaN(marginThreshold);
    }

    /** The margin between the two most probable classes (the top score alone when there is one class). */
    public static double margin(final double topScore, final double secondScore) {
        return Double.isNaN(secondScore) ? topScore : topScore - secondScore;
    }

    /**
     * Why this prediction needs review, or null when it is confident enough.
     *
     * @param secondScore the second most probable class's score, NaN when the model has one class
     */
    public String reason(final double topScore, final double secondScore) {
        final double margin = margin(topScore, secondScore);
        final boolean lowScore = !Double.isNaN(scoreThreshold) && topScore < scoreThreshold;
        final boolean smallMargin = !Double.isNaN(marginThreshold) && margin < marginThreshold;
        if (lowScore && smallMargin) {
            return String.format(Locale.ROOT, "top score %.6f below %s and margin %.6f below %s", topScore, plain(scoreThreshold), margin, plain(marginThreshold));
        }
        if (lowScore) {
            return String.format(Locale.ROOT, "top score %.6f below %s", topScore, plain(scoreThreshold));
        }
        if (smallMargin) {
            return String.format(Locale.ROOT, "margin %.6f between the top two classes below %s", margin, plain(marginThreshold));
        }
        return null;
    }

    private static String plain(final double value) {
        return Double.toString(value);
    }

    private static void requireProbabilityOrNaN(final double value, final String name) {
        if (!Double.isNaN(value) && (value < 0 || value > 1)) {
            throw new IllegalArgumentException("The review " + name + " must be between 0 and 1, not " + value);
        }
    }
}

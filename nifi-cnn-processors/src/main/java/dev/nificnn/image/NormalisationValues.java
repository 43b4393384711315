package dev.nificnn.image;

/**
 * The one syntax and validation of Scale, Mean and Std, as operators write them in processor properties, service properties
 * and model manifests: decimals or fractions such as {@code 1/255}; Scale one non-zero number; Mean one or three finite numbers
 * (in the tensor's channel order); Std one or three positive numbers. A single Mean or Std value applies to all channels.
 */
public final class NormalisationValues {

    /** Scale, Mean and Std when none is given: ImageNet's as torchvision models take them (RGB, 0..1). */
    public static final String DEFAULT_SCALE = "1/255";
    public static final String DEFAULT_MEAN = "0.485,0.456,0.406";
    public static final String DEFAULT_STD = "0.229,0.224,0.225";

    private NormalisationValues() {
    }

    /** Parses Scale; the exception's message says what is wrong, worded to follow the property or field name. */
    public static float scale(final String text) {
        final float[] values = numbers(text, 1, 1);
        if (values[0] == 0f) {
            throw new IllegalArgumentException("must not be 0");
        }
        return values[0];
    }

    /** Parses Mean: one or three finite numbers. */
    public static float[] mean(final String text) {
        return numbers(text, 1, TensorSpec.CHANNELS);
    }

    /** Parses Std: one or three numbers greater than zero. */
    public static float[] std(final String text) {
        final float[] values = numbers(text, 1, TensorSpec.CHANNELS);
        for (final float value : values) {
            if (!(value > 0f)) {
                throw new IllegalArgumentException("every value must be greater than 0, not " + format(value));
            }
        }
        return values;
    }

    /** Parses {@code a}, {@code a,b,c} or fractions such as {@code 1/255}, accepting exactly {@code fewest} or {@code most} values. */
    static float[] numbers(final String text, final int fewest, final int most) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("no number given");
        }
        final String[] parts = text.split(",", -1);
        if (parts.length != fewest && parts.length != most) {
            final String expected = fewest == most ? (fewest == 1 ? "one number" : fewest + " comma-separated numbers")
                    : (fewest == 1 ? "one number" : String.valueOf(fewest)) + " or " + most + " comma-separated numbers";
            throw new IllegalArgumentException("needs " + expected + ", found " + parts.length);
        }
        final float[] values = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            values[i] = number(parts[i].strip());
        }
        return values;
    }

    private static float number(final String part) {
        final double value;
        try {
            final int slash = part.indexOf('/');
            value = slash < 0 ? Double.parseDouble(part)
                    : Double.parseDouble(part.substring(0, slash).strip()) / Double.parseDouble(part.substring(slash + 1).strip());
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException("'" + part + "' is not a number (a decimal such as 0.5 or a fraction such as 1/255)");
        }
        // Double.parseDouble takes "NaN" and "Infinity", and 1/0 is infinite: none is a usable normalisation value.
        if (!Double.isFinite(value) || !Float.isFinite((float) value)) {
            throw new IllegalArgumentException("'" + part + "' is not a finite number");
        }
        return (float) value;
    }

    private static String format(final float value) {
        return value == (long) value ? Long.toString((long) value) : Float.toString(value);
    }
}

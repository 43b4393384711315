package dev.nificnn.processors;

import org.apache.nifi.components.ValidationContext;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.components.Validator;

/** Validates a comma-separated list of numbers (decimals or fractions such as 1/255) of an allowed length, optionally all positive. */
final class NumberListValidator implements Validator {

    private final int minimumCount;
    private final int maximumCount;
    private final boolean positive;

    NumberListValidator(final int minimumCount, final int maximumCount, final boolean positive) {
        this.minimumCount = minimumCount;
        this.maximumCount = maximumCount;
        this.positive = positive;
    }

    @Override
    public ValidationResult validate(final String subject, final String input, final ValidationContext context) {
        final ValidationResult.Builder result = new ValidationResult.Builder().subject(subject).input(input);
        final float[] values;
        try {
            values = parse(input);
        } catch (final IllegalArgumentException e) {
            return result.valid(false).explanation(e.getMessage()).build();
        }
        if (values.length != minimumCount && values.length != maximumCount) {
            final String expected = minimumCount == maximumCount ? String.valueOf(minimumCount) : minimumCount + " or " + maximumCount;
            return result.valid(false).explanation("needs " + expected + " comma-separated numbers, found " + values.length).build();
        }
        for (final float value : values) {
            if (positive && !(value > 0)) {
                return result.valid(false).explanation("every value must be greater than zero").build();
            }
        }
        return result.valid(true).build();
    }

    /** Parses "a", "a,b,c" or fractions "1/255" into floats; IllegalArgumentException says which part is wrong. */
    static float[] parse(final String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("no number given");
        }
        final String[] parts = text.split(",");
        final float[] values = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            final String part = parts[i].strip();
            try {
                final int slash = part.indexOf('/');
                final double value = slash < 0 ? Double.parseDouble(part)
                        : Double.parseDouble(part.substring(0, slash).strip()) / Double.parseDouble(part.substring(slash + 1).strip());
                if (!Double.isFinite(value)) {
                    throw new IllegalArgumentException("'" + part + "' is not a finite number");
                }
                values[i] = (float) value;
            } catch (final NumberFormatException e) {
                throw new IllegalArgumentException("'" + part + "' is not a number");
            }
        }
        return values;
    }
}

package dev.nificnn.processors;

import org.apache.nifi.components.ValidationContext;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.components.Validator;

/** Validates a property holding a decimal number inside a range whose ends may each be open or closed. */
final class DoubleRangeValidator implements Validator {

    private final double minimum;
    private final boolean minimumInclusive;
    private final double maximum;
    private final boolean maximumInclusive;

    DoubleRangeValidator(final double minimum, final boolean minimumInclusive, final double maximum, final boolean maximumInclusive) {
        this.minimum = minimum;
        this.minimumInclusive = minimumInclusive;
        this.maximum = maximum;
        this.maximumInclusive = maximumInclusive;
    }

    @Override
    public ValidationResult validate(final String subject, final String input, final ValidationContext context) {
        final String range = (minimumInclusive ? "[" : "(") + minimum + ", " + maximum + (maximumInclusive ? "]" : ")");
        boolean valid;
        try {
            final double value = Double.parseDouble(input.trim());
            valid = !Double.isNaN(value)
                    && (minimumInclusive ? value >= minimum : value > minimum)
                    && (maximumInclusive ? value <= maximum : value < maximum);
        } catch (final NumberFormatException | NullPointerException e) {
            valid = false;
        }
        return new ValidationResult.Builder().subject(subject).input(input).valid(valid)
                .explanation(valid ? null : "must be a number in " + range).build();
    }
}

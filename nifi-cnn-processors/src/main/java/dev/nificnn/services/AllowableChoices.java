package dev.nificnn.services;

import dev.nificnn.vocabulary.DescribedChoice;
import org.apache.nifi.components.AllowableValue;
import org.apache.nifi.components.PropertyValue;

import java.util.Arrays;

/** NiFi's side of the core's {@link DescribedChoice} enums: allowable values for a property, and the choice a property holds. */
public final class AllowableChoices {

    private AllowableChoices() {
    }

    /** One allowable value per constant of {@code choices}, in declaration order. */
    public static <E extends Enum<E> & DescribedChoice> AllowableValue[] of(final Class<E> choices) {
        return Arrays.stream(choices.getEnumConstants())
                .map(choice -> new AllowableValue(choice.getValue(), choice.getDisplayName(), choice.getDescription()))
                .toArray(AllowableValue[]::new);
    }

    /** The constant a property restricted to {@link #of(Class)} holds, or null when it is unset. */
    public static <E extends Enum<E> & DescribedChoice> E valueOf(final PropertyValue property, final Class<E> choices) {
        final String value = property.getValue();
        return value == null ? null : Enum.valueOf(choices, value);
    }
}

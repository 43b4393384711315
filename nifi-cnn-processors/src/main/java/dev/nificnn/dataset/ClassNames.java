package dev.nificnn.dataset;

import java.util.Arrays;
import java.util.List;

/**
 * Maps a dataset's numeric labels to class names, and class names to safe file-name fragments.
 */
public final class ClassNames {

    /** The CIFAR-10 class names in label order. */
    public static final List<String> CIFAR10 = List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");

    /** The Fashion-MNIST class names in label order. */
    public static final List<String> FASHION_MNIST = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
            "Sneaker", "Bag", "Ankle boot");

    private final List<String> names;

    private ClassNames(final List<String> names) {
        this.names = List.copyOf(names);
    }

    /** Class names from a list, index i naming label i. */
    public static ClassNames of(final List<String> names) {
        return new ClassNames(names);
    }

    /** Class names from comma-separated text ("airplane, automobile, ..."); blanks around names are dropped. */
    public static ClassNames parse(final String commaSeparated) {
        return new ClassNames(Arrays.stream(commaSeparated.split(",")).map(String::trim).toList());
    }

    /** No names: every label is named by its number. */
    public static ClassNames numeric() {
        return new ClassNames(List.of());
    }

    /** The name of {@code label}, or its decimal number when the list has no name for it. */
    public String nameOf(final int label) {
        return label >= 0 && label < names.size() && !names.get(label).isEmpty() ? names.get(label) : Integer.toString(label);
    }

    /** How many labels have names. */
    public int size() {
        return names.size();
    }

    /** The name of {@code label} reduced to letters, digits, '.', '-' and '_' so it can go into a file name ("T-shirt/top" becomes "T-shirt_top"). */
    public String fileNameOf(final int label) {
        final String sanitized = nameOf(label).replaceAll("[^A-Za-z0-9._-]+", "_");
        return sanitized.isEmpty() || sanitized.chars().allMatch(character -> character == '.') ? Integer.toString(label) : sanitized;
    }
}

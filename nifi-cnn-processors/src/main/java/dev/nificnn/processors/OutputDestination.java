package dev.nificnn.processors;

import org.apache.nifi.components.DescribedValue;

/** Where ClassifyImage writes its classification. */
public enum OutputDestination implements DescribedValue {
    ATTRIBUTES("Attributes", "Attributes only; the image stays the content"),
    CONTENT("Content", "Attributes, and the classification as JSON replacing the content");

    private final String displayName;
    private final String description;

    OutputDestination(final String displayName, final String description) {
        this.displayName = displayName;
        this.description = description;
    }

    @Override
    public String getValue() {
        return name();
    }

    @Override
    public String getDisplayName() {
        return displayName;
    }

    @Override
    public String getDescription() {
        return description;
    }
}

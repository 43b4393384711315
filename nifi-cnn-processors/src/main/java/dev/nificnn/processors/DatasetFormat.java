package dev.nificnn.processors;

import org.apache.nifi.components.DescribedValue;

/**
 * The labelled image dataset formats that can be unpacked into single images.
 */
public enum DatasetFormat implements DescribedValue {

    CIFAR10_BINARY("CIFAR-10 Binary", "A CIFAR-10 binary batch (data_batch_N.bin, test_batch.bin): records of 1 label byte and"
            + " 3072 pixel bytes (32x32, red plane, green plane, blue plane). Gzip-compressed content is detected automatically."),
    IDX("IDX", "An IDX image file (MNIST / Fashion-MNIST format, magic 0x00000803) as FlowFile content, paired with the IDX label file"
            + " (magic 0x00000801) named by the Label File property. Either may be gzip-compressed.");

    private final String displayName;
    private final String description;

    DatasetFormat(final String displayName, final String description) {
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

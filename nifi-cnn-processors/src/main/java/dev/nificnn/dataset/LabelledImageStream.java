package dev.nificnn.dataset;

import java.io.Closeable;
import java.io.IOException;

/**
 * Reads a labelled image dataset one image at a time, so that memory stays bounded by one image whatever the file size.
 */
public interface LabelledImageStream extends Closeable {

    /** Rows of every image. */
    int height();

    /** Columns of every image. */
    int width();

    /** 1 for grey, 3 for RGB. */
    int channels();

    /** The number of images the file declares, or -1 when the format does not say it up front. */
    long declaredCount();

    /**
     * Reads the next image into {@code pixels} (row-major interleaved HWC, {@code height * width * channels} bytes).
     *
     * @return the image's label (0..255), or -1 when the dataset ended cleanly
     * @throws DatasetFormatException when the data is truncated or inconsistent
     */
    int readNext(byte[] pixels) throws IOException, DatasetFormatException;
}

package dev.nificnn.image;

import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Collects the warnings of one read that say the data ended early, the only warnings that make an image unusable. */
final class TruncationWarnings implements IIOReadWarningListener {

    private final List<String> warnings = new ArrayList<>(1);

    @Override
    public void warningOccurred(final ImageReader source, final String warning) {
        // Readers also warn about harmless things (no ICC profile, extraneous bytes).
        if (isTruncation(warning)) {
            warnings.add(warning);
        }
    }

    boolean isEmpty() {
        return warnings.isEmpty();
    }

    List<String> warnings() {
        return warnings;
    }

    private static boolean isTruncation(final String warning) {
        final String lower = warning == null ? "" : warning.toLowerCase(Locale.ROOT);
        return lower.contains("premature end") || lower.contains("truncat") || lower.contains("unexpected end") || lower.contains("end of file");
    }
}

package dev.nificnn.classifier;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;

/**
 * Draws a confusion matrix as a PNG heat map: one cell per (actual, predicted) pair shaded by the share of the actual class,
 * with its count written in the cell, class labels on both axes and the accuracy in the title.
 */
public final class ConfusionMatrixRenderer {

    private static final int MARGIN = 16;
    private static final int TITLE_HEIGHT = 28;
    private static final int AXIS_TITLE = 20;
    private static final int WIDEST_LABEL = 240;
    private static final Color LOW = new Color(247, 251, 255);
    private static final Color HIGH = new Color(8, 48, 107);
    private static final Font LABEL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 14);
    private static final Font LARGE_COUNT_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    private static final Font SMALL_COUNT_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 9);

    private ConfusionMatrixRenderer() {
    }

    /** Returns the PNG bytes of the report's confusion matrix, titled as a validation split's. */
    public static byte[] renderPng(final ClassificationReport report) {
        return renderPng(report, "validation");
    }

    /** Returns the PNG bytes of the report's confusion matrix; the title names the split (validation, held-out, ...). */
    public static byte[] renderPng(final ClassificationReport report, final String split) {
        final Layout layout = Layout.of(report.labels());
        final BufferedImage image = new BufferedImage(layout.width(), layout.height(), BufferedImage.TYPE_INT_RGB);
        final Graphics2D graphics = image.createGraphics();
        try {
            graphics.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            graphics.setColor(Color.WHITE);
            graphics.fillRect(0, 0, layout.width(), layout.height());
            drawTitles(graphics, report, split, layout);
            drawRows(graphics, report, layout);
            drawColumnLabels(graphics, report.labels(), layout);
        } finally {
            graphics.dispose();
        }
        final ByteArrayOutputStream output = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", output);
        } catch (final IOException e) {
            throw new UncheckedIOException("PNG encoding failed", e);
        }
        return output.toByteArray();
    }

    /**
     * Sizes and positions: cells shrink as classes grow, and the label margins take the widest label (clipped to
     * {@value #WIDEST_LABEL} pixels) on the left and, written upwards, above the matrix.
     */
    private record Layout(int classCount, int cell, int labelWidth, int left, int top, int width, int height) {

        static Layout of(final List<String> labels) {
            final int classCount = labels.size();
            final int cell = classCount <= 12 ? 56 : classCount <= 40 ? 28 : 14;
            final int labelWidth = Math.min(widestLabel(labels), WIDEST_LABEL);
            final int left = MARGIN + AXIS_TITLE + labelWidth + 8;
            final int top = MARGIN + TITLE_HEIGHT + AXIS_TITLE + labelWidth + 8;
            return new Layout(classCount, cell, labelWidth, left, top, left + classCount * cell + MARGIN, top + classCount * cell + MARGIN);
        }

        Font countFont() {
            return cell >= 56 ? LARGE_COUNT_FONT : SMALL_COUNT_FONT;
        }

        private static int widestLabel(final List<String> labels) {
            // Text is measured on a graphics context: a one-pixel image gives one before the real image's size is known.
            final Graphics2D probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
            try {
                final FontMetrics metrics = probe.getFontMetrics(LABEL_FONT);
                int widest = metrics.stringWidth("predicted");
                for (final String label : labels) {
                    widest = Math.max(widest, metrics.stringWidth(label));
                }
                return widest;
            } finally {
                probe.dispose();
            }
        }
    }

    /** The title with the scores, and the axis titles: "predicted" above the matrix, "actual" written upwards on its left. */
    private static void drawTitles(final Graphics2D graphics, final ClassificationReport report, final String split, final Layout layout) {
        graphics.setColor(Color.BLACK);
        graphics.setFont(TITLE_FONT);
        graphics.drawString(String.format(Locale.ROOT, "Confusion matrix (%s accuracy %.2f%%, macro F1 %.3f)",
                split, report.accuracy() * 100, report.macroF1()), MARGIN, MARGIN + 16);
        graphics.setFont(LABEL_FONT);
        graphics.drawString("predicted", layout.left(), MARGIN + TITLE_HEIGHT + 14);
        final AffineTransform original = graphics.getTransform();
        graphics.rotate(-Math.PI / 2);
        graphics.drawString("actual", -(layout.top() + graphics.getFontMetrics().stringWidth("actual")), MARGIN + 14);
        graphics.setTransform(original);
    }

    /** One row per actual class: its label, then its cells shaded by their share of the row. */
    private static void drawRows(final Graphics2D graphics, final ClassificationReport report, final Layout layout) {
        final List<String> labels = report.labels();
        final FontMetrics metrics = graphics.getFontMetrics(LABEL_FONT);
        final int cell = layout.cell();
        final long[][] confusion = report.confusionMatrix();
        for (int actual = 0; actual < layout.classCount(); actual++) {
            final String label = clip(labels.get(actual), metrics, layout.labelWidth());
            graphics.setColor(Color.BLACK);
            graphics.drawString(label, layout.left() - 6 - metrics.stringWidth(label), layout.top() + actual * cell + cell / 2 + metrics.getAscent() / 2 - 1);
            long rowTotal = 0;
            for (final long count : confusion[actual]) {
                rowTotal += count;
            }
            for (int predicted = 0; predicted < layout.classCount(); predicted++) {
                final long count = confusion[actual][predicted];
                final double share = rowTotal == 0 ? 0 : (double) count / rowTotal;
                drawCell(graphics, layout, layout.left() + predicted * cell, layout.top() + actual * cell, count, share);
            }
        }
    }

    private static void drawCell(final Graphics2D graphics, final Layout layout, final int x, final int y, final long count, final double share) {
        final int cell = layout.cell();
        graphics.setColor(blend(share));
        graphics.fillRect(x, y, cell, cell);
        // Counts do not fit in the smallest cells.
        if (cell >= 28) {
            graphics.setFont(layout.countFont());
            final FontMetrics countMetrics = graphics.getFontMetrics();
            final String text = Long.toString(count);
            graphics.setColor(share > 0.5 ? Color.WHITE : Color.BLACK);
            graphics.drawString(text, x + (cell - countMetrics.stringWidth(text)) / 2, y + (cell + countMetrics.getAscent()) / 2 - 2);
            graphics.setFont(LABEL_FONT);
        }
    }

    /** Column labels, written bottom-up above the columns, and the frame around the matrix. */
    private static void drawColumnLabels(final Graphics2D graphics, final List<String> labels, final Layout layout) {
        final FontMetrics metrics = graphics.getFontMetrics(LABEL_FONT);
        final int cell = layout.cell();
        graphics.setColor(Color.BLACK);
        for (int predicted = 0; predicted < layout.classCount(); predicted++) {
            final String label = clip(labels.get(predicted), metrics, layout.labelWidth());
            final AffineTransform saved = graphics.getTransform();
            graphics.translate(layout.left() + predicted * cell + cell / 2 + metrics.getAscent() / 2 - 1, layout.top() - 6);
            graphics.rotate(-Math.PI / 2);
            graphics.drawString(label, 0, 0);
            graphics.setTransform(saved);
        }
        graphics.setColor(Color.GRAY);
        graphics.setStroke(new BasicStroke(1));
        graphics.drawRect(layout.left(), layout.top(), layout.classCount() * cell, layout.classCount() * cell);
    }

    private static Color blend(final double share) {
        final double weight = Math.max(0, Math.min(1, share));
        return new Color(
                (int) Math.round(LOW.getRed() + (HIGH.getRed() - LOW.getRed()) * weight),
                (int) Math.round(LOW.getGreen() + (HIGH.getGreen() - LOW.getGreen()) * weight),
                (int) Math.round(LOW.getBlue() + (HIGH.getBlue() - LOW.getBlue()) * weight));
    }

    private static String clip(final String label, final FontMetrics metrics, final int width) {
        if (metrics.stringWidth(label) <= width) {
            return label;
        }
        String clipped = label;
        while (clipped.length() > 1 && metrics.stringWidth(clipped + "...") > width) {
            clipped = clipped.substring(0, clipped.length() - 1);
        }
        return clipped + "...";
    }
}

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
    private static final Color LOW = new Color(247, 251, 255);
    private static final Color HIGH = new Color(8, 48, 107);

    private ConfusionMatrixRenderer() {
    }

    /** Returns the PNG bytes of the report's confusion matrix, titled as a validation split's. */
    public static byte[] renderPng(final ClassificationReport report) {
        return renderPng(report, "validation");
    }

    /** Returns the PNG bytes of the report's confusion matrix; the title names the split (validation, held-out, ...). */
    public static byte[] renderPng(final ClassificationReport report, final String split) {
        final List<String> labels = report.labels();
        final int classCount = labels.size();
        final int cell = classCount <= 12 ? 56 : classCount <= 40 ? 28 : 14;
        final Font labelFont = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
        final Font countFont = new Font(Font.SANS_SERIF, Font.PLAIN, cell >= 56 ? 13 : 9);
        final Font titleFont = new Font(Font.SANS_SERIF, Font.BOLD, 14);

        final BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        final Graphics2D probeGraphics = probe.createGraphics();
        final FontMetrics labelMetrics = probeGraphics.getFontMetrics(labelFont);
        int labelWidth = labelMetrics.stringWidth("predicted");
        for (final String label : labels) {
            labelWidth = Math.max(labelWidth, labelMetrics.stringWidth(label));
        }
        probeGraphics.dispose();
        labelWidth = Math.min(labelWidth, 240);

        final int titleHeight = 28;
        final int axisTitle = 20;
        final int left = MARGIN + axisTitle + labelWidth + 8;
        final int top = MARGIN + titleHeight + axisTitle + labelWidth + 8;
        final int width = left + classCount * cell + MARGIN;
        final int height = top + classCount * cell + MARGIN;

        final BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        final Graphics2D graphics = image.createGraphics();
        try {
            graphics.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            graphics.setColor(Color.WHITE);
            graphics.fillRect(0, 0, width, height);
            graphics.setColor(Color.BLACK);
            graphics.setFont(titleFont);
            graphics.drawString(String.format(Locale.ROOT, "Confusion matrix (%s accuracy %.2f%%, macro F1 %.3f)",
                    split, report.accuracy() * 100, report.macroF1()), MARGIN, MARGIN + 16);

            graphics.setFont(labelFont);
            final FontMetrics metrics = graphics.getFontMetrics();
            graphics.drawString("predicted", left, MARGIN + titleHeight + 14);
            final AffineTransform original = graphics.getTransform();
            graphics.rotate(-Math.PI / 2);
            graphics.drawString("actual", -(top + metrics.stringWidth("actual")), MARGIN + 14);
            graphics.setTransform(original);

            final long[][] confusion = report.confusionMatrix();
            for (int actual = 0; actual < classCount; actual++) {
                final String label = clip(labels.get(actual), metrics, labelWidth);
                graphics.setColor(Color.BLACK);
                graphics.drawString(label, left - 6 - metrics.stringWidth(label), top + actual * cell + cell / 2 + metrics.getAscent() / 2 - 1);
                long rowTotal = 0;
                for (final long count : confusion[actual]) {
                    rowTotal += count;
                }
                for (int predicted = 0; predicted < classCount; predicted++) {
                    final long count = confusion[actual][predicted];
                    final double share = rowTotal == 0 ? 0 : (double) count / rowTotal;
                    final Color fill = blend(share);
                    graphics.setColor(fill);
                    final int x = left + predicted * cell;
                    final int y = top + actual * cell;
                    graphics.fillRect(x, y, cell, cell);
                    if (cell >= 28) {
                        graphics.setFont(countFont);
                        final FontMetrics countMetrics = graphics.getFontMetrics();
                        final String text = Long.toString(count);
                        graphics.setColor(share > 0.5 ? Color.WHITE : Color.BLACK);
                        graphics.drawString(text, x + (cell - countMetrics.stringWidth(text)) / 2, y + (cell + countMetrics.getAscent()) / 2 - 2);
                        graphics.setFont(labelFont);
                    }
                }
            }
            // Column labels, written bottom-up above the columns.
            graphics.setColor(Color.BLACK);
            for (int predicted = 0; predicted < classCount; predicted++) {
                final String label = clip(labels.get(predicted), metrics, labelWidth);
                final AffineTransform saved = graphics.getTransform();
                graphics.translate(left + predicted * cell + cell / 2 + metrics.getAscent() / 2 - 1, top - 6);
                graphics.rotate(-Math.PI / 2);
                graphics.drawString(label, 0, 0);
                graphics.setTransform(saved);
            }
            graphics.setColor(Color.GRAY);
            graphics.setStroke(new BasicStroke(1));
            graphics.drawRect(left, top, classCount * cell, classCount * cell);
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

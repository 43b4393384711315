package dev.nificnn.classifier;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClassificationReportTest {

    @Test
    void computesPrecisionRecallF1AndConfusionByHand() {
        // cat: 3 actual, predicted cat twice and dog once; dog: 2 actual, predicted dog once and cat once; emu: 1 actual, never predicted.
        final int[] actual = {0, 0, 0, 1, 1, 2};
        final int[] predicted = {0, 0, 1, 1, 0, 1};
        final ClassificationReport report = ClassificationReport.of(actual, predicted, List.of("cat", "dog", "emu"));

        assertArrayEquals(new long[] {2, 1, 0}, report.confusionMatrix()[0]);
        assertArrayEquals(new long[] {1, 1, 0}, report.confusionMatrix()[1]);
        assertArrayEquals(new long[] {0, 1, 0}, report.confusionMatrix()[2]);
        assertEquals(3 / 6.0, report.accuracy(), 1e-12);
        final ClassificationReport.ClassMetrics cat = report.classes().get(0);
        assertEquals(2 / 3.0, cat.precision(), 1e-12);
        assertEquals(2 / 3.0, cat.recall(), 1e-12);
        assertEquals(2 / 3.0, cat.f1(), 1e-12);
        final ClassificationReport.ClassMetrics dog = report.classes().get(1);
        assertEquals(1 / 3.0, dog.precision(), 1e-12);
        assertEquals(1 / 2.0, dog.recall(), 1e-12);
        assertEquals(0.4, dog.f1(), 1e-12);
        final ClassificationReport.ClassMetrics emu = report.classes().get(2);
        assertEquals(0, emu.precision());
        assertEquals(0, emu.recall());
        assertEquals(1, emu.support());
        assertEquals((2 / 3.0 + 0.4 + 0) / 3, report.macroF1(), 1e-12);
    }

    @Test
    void confusionMatrixPictureShadesCellsByShareOfTheActualClass() throws Exception {
        final int[] actual = {0, 0, 0, 0, 1, 1, 1, 1};
        final int[] predicted = {0, 0, 0, 0, 1, 1, 1, 0};
        final ClassificationReport report = ClassificationReport.of(actual, predicted, List.of("airplane", "automobile"));
        final BufferedImage image = ImageIO.read(new ByteArrayInputStream(ConfusionMatrixRenderer.renderPng(report)));

        // Cells are 56 px for few classes and sit at the bottom right, before a 16 px margin.
        final int cell = 56;
        final int right = image.getWidth() - 16;
        final int bottom = image.getHeight() - 16;
        final int topLeftX = right - 2 * cell + 3;
        final int topLeftY = bottom - 2 * cell + 3;
        // Corner pixels of each cell, away from the count text: (0,0) all correct = darkest; (0,1) none = lightest.
        final int fullCell = image.getRGB(topLeftX, topLeftY) & 0xFFFFFF;
        final int emptyCell = image.getRGB(topLeftX + cell, topLeftY) & 0xFFFFFF;
        final int quarterCell = image.getRGB(topLeftX, topLeftY + cell) & 0xFFFFFF;
        final int threeQuarterCell = image.getRGB(topLeftX + cell, topLeftY + cell) & 0xFFFFFF;
        assertEquals(0x08306B, fullCell);
        assertEquals(0xF7FBFF, emptyCell);
        assertTrue(blue(emptyCell) > blue(quarterCell) && green(quarterCell) > green(threeQuarterCell) && green(threeQuarterCell) > green(fullCell));
    }

    private static int green(final int rgb) {
        return (rgb >> 8) & 0xFF;
    }

    private static int blue(final int rgb) {
        return rgb & 0xFF;
    }
}

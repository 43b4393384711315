package dev.nificnn.image;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class NormalisationValuesTest {

    @Test
    void readsDecimalsAndFractions() {
        assertEquals((float) (1.0 / 255), NormalisationValues.scale("1/255"));
        assertEquals((float) (1.0 / 255), NormalisationValues.scale("0.00392156862745098"), "the earlier service default is the same number");
        assertArrayEquals(new float[] {104f, 117f, 123f}, NormalisationValues.mean(" 104, 117 ,123 "));
        assertArrayEquals(new float[] {0.5f}, NormalisationValues.std("1/2"));
    }

    @Test
    void explainsWhatIsWrong() {
        assertEquals("must not be 0", refusal(() -> NormalisationValues.scale("0")));
        assertEquals("needs one number, found 2", refusal(() -> NormalisationValues.scale("1,2")));
        assertEquals("needs one number or 3 comma-separated numbers, found 2", refusal(() -> NormalisationValues.mean("1,2")));
        assertEquals("needs one number or 3 comma-separated numbers, found 4", refusal(() -> NormalisationValues.mean("1,2,3,")));
        assertEquals("'x' is not a number (a decimal such as 0.5 or a fraction such as 1/255)", refusal(() -> NormalisationValues.mean("x")));
        assertEquals("'1/0' is not a finite number", refusal(() -> NormalisationValues.scale("1/0")));
        assertEquals("'NaN' is not a finite number", refusal(() -> NormalisationValues.mean("NaN")));
        assertEquals("'1e39' is not a finite number", refusal(() -> NormalisationValues.mean("1e39")), "finite as a double, not as a float");
        assertEquals("every value must be greater than 0, not -0.5", refusal(() -> NormalisationValues.std("1,-0.5,1")));
        assertEquals("no number given", refusal(() -> NormalisationValues.std(" ")));
    }

    private static String refusal(final Runnable parse) {
        return assertThrows(IllegalArgumentException.class, parse::run).getMessage();
    }
}

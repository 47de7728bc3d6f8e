package ddpm4j.data;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RePaintPipeline's mask policy: gray >= 128 keeps, one mask for all images or one per image. */
class InpaintingMasksTest {
    /** {@code count} 1x2 gray masks with the given levels, mask by mask. */
    private static ImageSet gray(int count, int... levels) {
        byte[] p = new byte[levels.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = (byte) levels[i];
        }
        return new ImageSet(p, count, 1, 2, 1);
    }

    @Test
    void whiteFrom128KeepsAndInvertSwaps() {
        InpaintingMasks m = InpaintingMasks.of(gray(1, 127, 128), 2, 3, 5, false);
        assertEquals(1, m.count(), "one mask for every image");
        assertArrayEquals(new float[] {0, 1}, m.keep());
        assertArrayEquals(new float[] {1, 0}, InpaintingMasks.of(gray(1, 127, 128), 0, 1, 1, true).keep());
        ImageSet rgb = new ImageSet(new byte[] {(byte) 255, (byte) 255, (byte) 255, 0, 0, (byte) 255}, 1, 1, 2, 3);
        assertArrayEquals(new float[] {1, 0}, InpaintingMasks.of(rgb, 0, 1, 1, false).keep(), "blue is dark gray (29)");
    }

    @Test
    void perImageMasksFollowTheImagesTaken() {
        ImageSet four = gray(4, 0, 0, 255, 0, 0, 255, 255, 255);
        assertArrayEquals(new float[] {1, 0, 0, 1}, InpaintingMasks.of(four, 1, 2, 4, false).keep(), "one per image of the source");
        ImageSet two = gray(2, 255, 0, 0, 255);
        assertArrayEquals(new float[] {1, 0, 0, 1}, InpaintingMasks.of(two, 1, 2, 4, false).keep(), "one per image taken");
        assertThrows(IllegalArgumentException.class, () -> InpaintingMasks.of(gray(3, 0, 0, 0, 0, 0, 0), 1, 2, 4, false));
    }

    @Test
    void keepsNothingIsAFlag() {
        assertTrue(InpaintingMasks.of(gray(1, 0, 127), 0, 2, 2, false).keepsNothing());
        assertFalse(InpaintingMasks.of(gray(1, 0, 127), 0, 2, 2, true).keepsNothing());
    }
}

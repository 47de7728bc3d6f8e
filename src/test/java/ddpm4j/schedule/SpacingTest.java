package ddpm4j.schedule;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SpacingTest {
    @Test
    void keptStepsOfEachSpacing() {
        assertArrayEquals(new int[] {0, 100, 200, 300, 400, 500, 600, 700, 800, 900}, Spacing.LEADING.kept(1000, 10));
        assertArrayEquals(new int[] {99, 199, 299, 399, 499, 599, 699, 799, 899, 999}, Spacing.TRAILING.kept(1000, 10));
        assertArrayEquals(new int[] {0, 111, 222, 333, 444, 555, 666, 777, 888, 999}, Spacing.LINSPACE.kept(1000, 10));
        assertArrayEquals(new int[] {332, 666, 999}, Spacing.TRAILING.kept(1000, 3));
        assertArrayEquals(new int[] {1, 4, 7, 9}, Spacing.TRAILING.kept(10, 4), "half to even, as numpy rounds");
        assertArrayEquals(new int[] {0, 166, 333, 500, 666, 832, 999}, Spacing.LINSPACE.kept(1000, 7));
        for (Spacing s : Spacing.values()) {
            int[] all = s.kept(7, 7);
            assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6}, all, s.key());
            assertEquals(s, Spacing.of(s.key()));
        }
        assertThrows(IllegalArgumentException.class, () -> Spacing.LEADING.kept(10, 11));
        assertThrows(IllegalArgumentException.class, () -> Spacing.of("uniform"));
    }

    @Test
    void aRespacedScheduleReproducesAlphaBarAtTheKeptSteps() {
        NoiseSchedule base = new NoiseSchedule(BetaSchedules.linear(1000, 1e-4, 0.02));
        SplittableRandom r = new SplittableRandom(3);
        TreeSet<Integer> set = new TreeSet<>();
        while (set.size() < 37) {
            set.add(r.nextInt(1000));
        }
        int[] kept = set.stream().mapToInt(Integer::intValue).toArray();
        NoiseSchedule respaced = base.respaced(kept);
        assertEquals(kept.length, respaced.steps());
        for (int i = 0; i < kept.length; i++) {
            assertEquals(base.alphaBar(kept[i]), respaced.alphaBar(i), 1e-14);
        }
        assertThrows(IllegalArgumentException.class, () -> base.respaced(new int[] {5, 5}));
        assertThrows(IllegalArgumentException.class, () -> base.respaced(new int[] {1000}));
    }
}

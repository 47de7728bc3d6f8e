package ddpm4j.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TimingTest {
    @Test
    void warmsUpForTheGivenTimeThenTimesTheRequestedSteps() throws Exception {
        int[] calls = {0};
        long start = System.nanoTime();
        double[] ms = Timing.measure(() -> {
            long end = System.nanoTime() + 10_000_000;
            while (System.nanoTime() < end) {
                Thread.onSpinWait();
            }
            return ++calls[0];
        }, 0.2, 3);
        double seconds = (System.nanoTime() - start) / 1e9;
        int warmup = calls[0] - 3;
        // the timed results are the values of the last three calls, in order
        assertArrayEquals(new double[] {warmup + 1, warmup + 2, warmup + 3}, ms);
        // each call takes at least 10 ms, and no call starts after 0.2 s: at most 20 warm-up calls
        assertTrue(warmup >= 2 && warmup <= 20, "warm-up calls: " + warmup);
        assertTrue(seconds >= 0.2, "took " + seconds + " s");
    }

    @Test
    void warmsUpTwiceAtLeast() throws Exception {
        int[] calls = {0};
        double[] ms = Timing.measure(() -> ++calls[0], 0, 1);
        assertEquals(3, calls[0]);
        assertArrayEquals(new double[] {3}, ms);
    }

    @Test
    void theMedianIsTheMiddleStepOrTheMeanOfTheTwoMiddleOnesAndLeavesTheTimesAlone() {
        double[] odd = {5, 1, 3};
        assertEquals(3, Timing.median(odd));
        assertArrayEquals(new double[] {5, 1, 3}, odd);
        assertEquals(2.5, Timing.median(new double[] {4, 1, 2, 3}));
    }
}

package ddpm4j.schedule;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class NoiseScheduleTest {
    @Test
    void onlyTheTrainedTimestepsZeroToTMinusOneAreAccepted() {
        SchedulerConfig c = SchedulerConfig.paper();
        c.requireTrainedTimesteps(new long[] {0, 500, 999});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.requireTrainedTimesteps(new long[] {3, 1000}));
        assertEquals("timestep 1000 at index 1 is outside 0..999, the steps this model was trained on (num_train_timesteps 1000)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> c.requireTrainedTimesteps(new long[] {-1}));
    }

    @Test
    void linearScheduleOfThePaper() {
        NoiseSchedule s = SchedulerConfig.paper().schedule();
        assertEquals(1000, s.steps());
        assertEquals(1e-4, s.beta(0), 1e-15);
        assertEquals(0.02, s.beta(999), 1e-15);
        assertEquals(1e-4 + (0.02 - 1e-4) * 500 / 999.0, s.beta(500), 1e-15);
        double prod = 1;
        for (int i = 0; i < 1000; i++) {
            prod *= 1 - (1e-4 + (0.02 - 1e-4) * i / 999.0);
            assertEquals(prod, s.alphaBar(i), 1e-12);
        }
        // ᾱ_T ≈ 4.04e-5 for the paper's schedule: x_T is nearly pure noise
        assertEquals(4.04e-5, s.alphaBar(999), 1e-7);
    }

    @Test
    void posteriorTablesFollowEquation7() {
        NoiseSchedule s = new NoiseSchedule(BetaSchedules.linear(10, 0.1, 0.3));
        for (int i = 0; i < 10; i++) {
            double abPrev = i == 0 ? 1 : s.alphaBar(i - 1);
            assertEquals(abPrev, s.alphaBarPrev(i), 1e-15);
            assertEquals(s.beta(i) * (1 - abPrev) / (1 - s.alphaBar(i)), s.posteriorVariance(i), 1e-15);
            // μ̃ coefficients sum to the mean of x_{t−1} when x_t = √α_t x_{t-1}, x₀ = x_{t-1}/√ᾱ_{t-1}: check identity
            double c1 = s.posteriorMeanCoef1(i);
            double c2 = s.posteriorMeanCoef2(i);
            assertEquals(Math.sqrt(abPrev) * s.beta(i) / (1 - s.alphaBar(i)), c1, 1e-15);
            assertEquals(Math.sqrt(1 - s.beta(i)) * (1 - abPrev) / (1 - s.alphaBar(i)), c2, 1e-15);
            assertEquals(1 / Math.sqrt(s.alphaBar(i)), s.sqrtRecipAlphaBar(i), 1e-12);
            assertEquals(Math.sqrt(1 / s.alphaBar(i) - 1), s.sqrtRecipM1AlphaBar(i), 1e-12);
        }
        assertEquals(0, s.posteriorVariance(0), 0);
        assertEquals(Math.log(s.posteriorVariance(1)), s.posteriorLogVarianceClipped(0), 1e-15);
        assertEquals(Math.log(s.posteriorVariance(5)), s.posteriorLogVarianceClipped(5), 1e-15);
    }

    @Test
    void cosineScheduleMatchesItsDefiningAlphaBar() {
        int t = 1000;
        NoiseSchedule s = new NoiseSchedule(BetaSchedules.cosine(t));
        double f0 = Math.pow(Math.cos(0.008 / 1.008 * Math.PI / 2), 2);
        for (int i : new int[] {0, 100, 500, 900}) {
            double f = Math.pow(Math.cos(((i + 1.0) / t + 0.008) / 1.008 * Math.PI / 2), 2);
            assertEquals(f / f0, s.alphaBar(i), 1e-9);
        }
        assertEquals(0.999, s.beta(t - 1), 1e-12);
    }

    @Test
    void originalCodesSchedules() {
        int t = 10;
        double[] quad = BetaSchedule.QUAD.betas(t, 1e-4, 0.02);
        assertEquals(1e-4, quad[0], 1e-15);
        assertEquals(0.02, quad[t - 1], 1e-15);
        double r = Math.sqrt(1e-4) + (Math.sqrt(0.02) - Math.sqrt(1e-4)) * 4 / 9;
        assertEquals(r * r, quad[4], 1e-15);
        org.junit.jupiter.api.Assertions.assertArrayEquals(quad, BetaSchedule.SCALED_LINEAR.betas(t, 1e-4, 0.02));
        for (double b : BetaSchedule.CONST.betas(t, 1e-4, 0.02)) {
            assertEquals(0.02, b);
        }
        double[] jsd = BetaSchedule.JSD.betas(t, 0, 0);
        assertEquals(1.0 / 10, jsd[0], 1e-15);
        assertEquals(1.0 / 2, jsd[8], 1e-15);
        assertEquals(1.0, jsd[9], 1e-15);
        double[] w10 = BetaSchedule.WARMUP10.betas(100, 1e-4, 0.02);
        assertEquals(1e-4, w10[0], 1e-15);
        assertEquals(1e-4 + (0.02 - 1e-4) * 5 / 9, w10[5], 1e-15);
        assertEquals(0.02, w10[9], 1e-15);
        assertEquals(0.02, w10[10], 1e-15);
        double[] w50 = BetaSchedule.WARMUP50.betas(100, 1e-4, 0.02);
        assertEquals(0.02, w50[49], 1e-15);
        assertEquals(1e-4 + (0.02 - 1e-4) * 10 / 49, w50[10], 1e-15);
        double[] sig = BetaSchedule.SIGMOID.betas(11, 1e-4, 0.02);
        assertEquals(1e-4 + (0.02 - 1e-4) / (1 + Math.exp(6)), sig[0], 1e-15);
        assertEquals(1e-4 + (0.02 - 1e-4) / 2, sig[5], 1e-15);
        org.junit.jupiter.api.Assertions.assertArrayEquals(BetaSchedules.cosine(50), BetaSchedule.SQUAREDCOS_CAP_V2.betas(50, 1, 1));
        // any T, and the tables hold for each
        for (BetaSchedule name : BetaSchedule.values()) {
            NoiseSchedule s = new NoiseSchedule(name.betas(37, 1e-4, 0.02));
            assertEquals(37, s.steps(), name.configName);
        }
        assertThrows(IllegalArgumentException.class, () -> BetaSchedule.fromConfig("zigzag"));
    }

    @Test
    void badBetasAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new NoiseSchedule(new double[] {0.1, 1.5}));
        assertThrows(IllegalArgumentException.class, () -> new NoiseSchedule(new double[] {}));
        assertThrows(IllegalArgumentException.class, () -> SchedulerConfig.parse("{\"beta_schedule\": \"zigzag\"}"));
    }
}

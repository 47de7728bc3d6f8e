package ddpm4j.diffusion;

import ddpm4j.schedule.VarianceType;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.torch.Natives;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class GaussianDiffusionTest {
    @BeforeAll
    static void natives() {
        Natives.load();
    }

    final GaussianDiffusion d = GaussianDiffusion.of(SchedulerConfig.paper());

    static float maxAbsDiff(Tensor a, Tensor b) {
        return a.sub(b).abs().max().item_float();
    }

    @Test
    void predictStartFromNoiseInvertsQSample() {
        Tensor x0 = torch.rand(3, 2, 4, 4);
        Tensor eps = torch.randn(3, 2, 4, 4);
        int[] t = {0, 400, 999};
        Tensor xt = d.qSample(x0, t, eps);
        // at t = 999, 1/√ᾱ ≈ 157 amplifies float rounding
        assertEquals(0, maxAbsDiff(d.predictStartFromNoise(xt, t, eps), x0), 2e-4);
        // at t = 0, 1/√(1/ᾱ − 1) ≈ 100 amplifies float rounding
        assertEquals(0, maxAbsDiff(d.predictNoiseFromStart(xt, t, x0), eps), 1e-4);
    }

    @Test
    void posteriorMeanOfTheNoisePredictionIsEquation11() {
        Tensor x0 = torch.randn(2, 1, 3, 3);
        Tensor eps = torch.randn(2, 1, 3, 3);
        int[] t = {10, 700};
        Tensor xt = d.qSample(x0, t, eps);
        Tensor mean = d.posteriorMean(d.predictStartFromNoise(xt, t, eps), xt, t);
        float[] xs = Tensors.toFloats(xt);
        float[] es = Tensors.toFloats(eps);
        float[] ms = Tensors.toFloats(mean);
        for (int i = 0; i < xs.length; i++) {
            int ti = t[i / 9];
            double beta = d.schedule().beta(ti);
            // eq. 11: μθ = 1/√α_t (x_t − β_t/√(1−ᾱ_t) ε)
            double expected = (xs[i] - beta / Math.sqrt(1 - d.schedule().alphaBar(ti)) * es[i]) / Math.sqrt(1 - beta);
            assertEquals(expected, ms[i], 1e-4);
        }
    }

    @Test
    void qSampleHasTheMarginalMoments() {
        int n = 200_000;
        Tensor x0 = torch.ones(n, 1, 1, 1).mul(new org.bytedeco.pytorch.Scalar(0.5));
        int[] t = GaussianDiffusion.fill(n, 300);
        Tensor xt = d.qSample(x0, t, torch.randn(n, 1, 1, 1));
        double ab = d.schedule().alphaBar(300);
        assertEquals(Math.sqrt(ab) * 0.5, xt.mean().item_float(), 0.01);
        assertEquals(Math.sqrt(1 - ab), xt.std().item_float(), 0.01);
    }

    @Test
    void varianceChoices() {
        var s = d.schedule();
        int[] t = {0, 500};
        Tensor cpu = torch.zeros(1); // the device the tables are made on
        float[] large = Tensors.toFloats(new GaussianDiffusion(s, d.prediction(), VarianceType.FIXED_LARGE).logVariance(t, null, cpu));
        assertEquals(Math.log(s.posteriorVariance(1)), large[0], 1e-6);
        assertEquals(Math.log(s.beta(500)), large[1], 1e-6);
        float[] small = Tensors.toFloats(new GaussianDiffusion(s, d.prediction(), VarianceType.FIXED_SMALL).logVariance(t, null, cpu));
        assertEquals(Math.log(s.posteriorVariance(1)), small[0], 1e-6);
        assertEquals(Math.log(s.posteriorVariance(500)), small[1], 1e-6);
        // learned_range: v = 1 gives log β, v = −1 the clipped log β̃, v = 0 their midpoint
        Tensor v = Tensors.fromFloats(new float[] {1, -1, 0, 0}, 2, 2, 1, 1);
        float[] r = Tensors.toFloats(new GaussianDiffusion(s, d.prediction(), VarianceType.LEARNED_RANGE).logVariance(t, v, cpu));
        assertEquals(Math.log(s.beta(0)), r[0], 1e-5);
        assertEquals(s.posteriorLogVarianceClipped(0), r[1], 1e-5);
        assertEquals((Math.log(s.beta(500)) + s.posteriorLogVarianceClipped(500)) / 2, r[2], 1e-5);
        assertEquals(v, new GaussianDiffusion(s, d.prediction(), VarianceType.LEARNED).logVariance(t, v, cpu));
    }

    /** The schedule's tables are made once per device: every sampling step's coefficient is a view into the same table. */
    @Test
    void coefficientsAreViewsOfOneTablePerDevice() {
        Tensor x = torch.zeros(4, 1, 2, 2);
        Tensor a = d.posteriorLogVariance(GaussianDiffusion.fill(4, 10), x);
        Tensor b = d.posteriorLogVariance(GaussianDiffusion.fill(4, 11), x);
        assertEquals(a.data_ptr().address() + Float.BYTES, b.data_ptr().address(), "consecutive steps of one table");
        float[] values = Tensors.toFloats(d.posteriorLogVariance(new int[] {11, 10, 11, 0}, x));
        assertEquals((float) d.schedule().posteriorLogVarianceClipped(11), values[0], 0f);
        assertEquals((float) d.schedule().posteriorLogVarianceClipped(10), values[1], 0f);
        assertEquals((float) d.schedule().posteriorLogVarianceClipped(0), values[3], 0f);
        int[] t = {3, 999, 0, 3};
        Tensor first = d.timesteps(t, x);
        assertEquals(first.data_ptr().address(), d.timesteps(t.clone(), x).data_ptr().address(),
                "the same timesteps are copied to the device once");
        assertArrayEquals(new long[] {3, 999, 0, 3}, Tensors.toLongs(first));
    }
}

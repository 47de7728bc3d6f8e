package ddpm4j.diffusion;

import ddpm4j.schedule.Prediction;
import ddpm4j.schedule.VarianceType;
import ddpm4j.schedule.BetaSchedules;
import ddpm4j.schedule.NoiseSchedule;
import ddpm4j.torch.Natives;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ObjectivesTest {
    @BeforeAll
    static void natives() {
        Natives.load();
    }

    static final NoiseSchedule LINEAR = new NoiseSchedule(BetaSchedules.linear(1000, 1e-4, 0.02));
    static final int[] T = {0, 1, 250, 999};

    static float maxAbs(Tensor a, Tensor b) {
        return a.sub(b).abs().max().item_float();
    }

    static Tensor data() {
        return torch.rand(4, 2, 3, 3).mul(new Scalar(2)).sub(new Scalar(1));
    }

    /** A network that returns exactly what {@code p} asks for, given the one image x0 and noise. */
    static Denoiser oracle(GaussianDiffusion d, Tensor x0, Tensor noise, Tensor extra) {
        return (xt, ts) -> {
            int[] t = toInts(ts);
            Tensor out = d.target(x0, xt, t, noise);
            return extra == null ? out : torch.cat(new org.bytedeco.pytorch.TensorVector(out, extra), 1);
        };
    }

    static int[] toInts(Tensor ts) {
        float[] f = Tensors.toFloats(ts);
        int[] t = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            t[i] = (int) f[i];
        }
        return t;
    }

    @Test
    void everyParameterizationConvertsBackToTheData() {
        for (Prediction p : Prediction.values()) {
            GaussianDiffusion d = new GaussianDiffusion(LINEAR, p, VarianceType.FIXED_SMALL);
            Tensor x0 = data();
            Tensor noise = torch.randn(4, 2, 3, 3);
            Tensor xt = d.qSample(x0, T, noise);
            Tensor target = d.target(x0, xt, T, noise);
            // μ̃ → x₀ divides by coef1 ≈ 1.3e-4 at t = 999: float32 rounding grows by that much
            double tolerance = p == Prediction.MEAN ? 1e-3 : 2e-4;
            assertEquals(0, maxAbs(d.start(xt, T, target), x0), tolerance, p.name());
            GaussianDiffusion.Output out = d.interpret(target, xt, T, false, 1);
            assertEquals(0, maxAbs(out.noise(), noise), p == Prediction.MEAN ? 2e-2 : 2e-3, p.name() + " noise");
        }
    }

    @Test
    void theTrueNoiseMakesThePosteriorMeanExact() {
        GaussianDiffusion d = new GaussianDiffusion(LINEAR, Prediction.EPSILON, VarianceType.FIXED_LARGE);
        Tensor x0 = data();
        Tensor noise = torch.randn(4, 2, 3, 3);
        Tensor xt = d.qSample(x0, T, noise);
        GaussianDiffusion.Output p = d.pMeanVariance(oracle(d, x0, noise, null), xt, T, false, 1);
        assertEquals(0, maxAbs(p.mean(), d.posteriorMean(x0, xt, T)), 1e-4);
    }

    @Test
    void exactNetworksHaveZeroSimpleLossAndFixedSmallHasZeroKl() {
        for (Prediction p : Prediction.values()) {
            GaussianDiffusion d = new GaussianDiffusion(LINEAR, p, VarianceType.FIXED_SMALL);
            Tensor x0 = data();
            Tensor noise = torch.randn(4, 2, 3, 3);
            float[] simple = Tensors.toFloats(d.trainingLoss(oracle(d, x0, noise, null), x0, T, noise, LossType.SIMPLE, null));
            float[] vlb = Tensors.toFloats(d.trainingLoss(oracle(d, x0, noise, null), x0, T, noise, LossType.VLB, null));
            for (int i = 0; i < T.length; i++) {
                assertEquals(0, simple[i], 1e-6, p + " simple at t=" + T[i]);
                if (T[i] > 0) {
                    assertEquals(0, vlb[i], 1e-5, p + " KL at t=" + T[i]);
                }
            }
        }
    }

    @Test
    void fixedLargeWithExactMeanLeavesTheVarianceMismatch() {
        GaussianDiffusion d = new GaussianDiffusion(LINEAR, Prediction.EPSILON, VarianceType.FIXED_LARGE);
        Tensor x0 = data();
        Tensor noise = torch.randn(4, 2, 3, 3);
        float[] vlb = Tensors.toFloats(d.trainingLoss(oracle(d, x0, noise, null), x0, T, noise, LossType.VLB, null));
        for (int i = 1; i < T.length; i++) {
            int t = T[i];
            double lq = LINEAR.posteriorLogVarianceClipped(t);
            double lp = Math.log(LINEAR.beta(t));
            double expected = 0.5 * (-1 + lp - lq + Math.exp(lq - lp)) / Math.log(2);
            assertEquals(expected, vlb[i], 1e-5 + 1e-3 * expected, "t=" + t);
        }
    }

    @Test
    void meanMseIsTheKlWhenVariancesMatch() {
        GaussianDiffusion d = new GaussianDiffusion(LINEAR, Prediction.EPSILON, VarianceType.FIXED_SMALL);
        Tensor x0 = data();
        Tensor noise = torch.randn(4, 2, 3, 3);
        Tensor wrong = torch.randn(4, 2, 3, 3);
        Denoiser net = (xt, t) -> wrong;
        int[] t = {1, 20, 300, 900};
        float[] kl = Tensors.toFloats(d.trainingLoss(net, x0, t, noise, LossType.VLB, null));
        float[] mse = Tensors.toFloats(d.trainingLoss(net, x0, t, noise, LossType.MEAN_MSE, null));
        for (int i = 0; i < t.length; i++) {
            assertEquals(kl[i], mse[i], 1e-3 * Math.abs(kl[i]) + 1e-6, "t=" + t[i]);
        }
    }

    @Test
    void hybridStopsTheBoundsGradientIntoTheMean() {
        GaussianDiffusion d = new GaussianDiffusion(LINEAR, Prediction.EPSILON, VarianceType.LEARNED_RANGE);
        Tensor x0 = data();
        Tensor noise = torch.randn(4, 2, 3, 3);
        int[] t = {3, 40, 500, 999};
        Tensor meanOut = torch.randn(4, 2, 3, 3).set_requires_grad(true);
        Tensor varOut = torch.rand(4, 2, 3, 3).set_requires_grad(true);
        Denoiser net = (xt, ts) -> torch.cat(new org.bytedeco.pytorch.TensorVector(meanOut, varOut), 1);
        d.trainingLoss(net, x0, t, noise, LossType.HYBRID, null).sum().backward();
        float[] hybridMeanGrad = Tensors.toFloats(meanOut.grad());
        float[] hybridVarGrad = Tensors.toFloats(varOut.grad());

        Tensor meanOnly = meanOut.detach().clone().set_requires_grad(true);
        Denoiser simpleNet = (xt, ts) -> torch.cat(new org.bytedeco.pytorch.TensorVector(meanOnly, varOut.detach()), 1);
        d.trainingLoss(simpleNet, x0, t, noise, LossType.SIMPLE, null).sum().backward();
        float[] simpleGrad = Tensors.toFloats(meanOnly.grad());
        for (int i = 0; i < simpleGrad.length; i++) {
            assertEquals(simpleGrad[i], hybridMeanGrad[i], 1e-6);
        }
        double varGradNorm = 0;
        for (float g : hybridVarGrad) {
            varGradNorm += g * g;
        }
        assertTrue(varGradNorm > 0, "the variance learns from the bound");
    }

    @Test
    void minSnrWeights() {
        GaussianDiffusion eps = new GaussianDiffusion(LINEAR, Prediction.EPSILON, VarianceType.FIXED_LARGE);
        GaussianDiffusion x0 = new GaussianDiffusion(LINEAR, Prediction.SAMPLE, VarianceType.FIXED_LARGE);
        GaussianDiffusion v = new GaussianDiffusion(LINEAR, Prediction.V, VarianceType.FIXED_LARGE);
        double snr10 = LINEAR.alphaBar(10) / (1 - LINEAR.alphaBar(10)); // large: clipped at γ
        double snr900 = LINEAR.alphaBar(900) / (1 - LINEAR.alphaBar(900)); // small: not clipped
        assertEquals(5 / snr10, eps.minSnrWeight(10, 5), 1e-12);
        assertEquals(1, eps.minSnrWeight(900, 5), 1e-12);
        assertEquals(5, x0.minSnrWeight(10, 5), 1e-12);
        assertEquals(snr900, x0.minSnrWeight(900, 5), 1e-12);
        assertEquals(snr900 / (snr900 + 1), v.minSnrWeight(900, 5), 1e-12);
    }

    @Test
    void priorTermOfThePaperScheduleIsAboutOneHundredThousandthOfABit() {
        GaussianDiffusion d = new GaussianDiffusion(LINEAR, Prediction.EPSILON, VarianceType.FIXED_LARGE);
        Tensor x0 = data();
        float[] prior = Tensors.toFloats(d.priorBits(x0));
        float[] xs = Tensors.toFloats(x0);
        double a = LINEAR.alphaBar(999);
        for (int i = 0; i < 4; i++) {
            double kl = 0;
            for (int j = 0; j < 18; j++) {
                double x = xs[i * 18 + j];
                kl += 0.5 * (-1 - Math.log(1 - a) + (1 - a) + a * x * x);
            }
            double expected = kl / 18 / Math.log(2);
            assertEquals(expected, prior[i], 2e-7);
            assertTrue(prior[i] > 1e-6 && prior[i] < 3e-5, "prior " + prior[i] + " bits/dim");
        }
    }

    @Test
    void lossAwareTimestepsFollowTheSecondMoment() {
        LossAwareTimesteps s = new LossAwareTimesteps(4, 2, 0.1);
        assertEquals(0.25, s.probabilities()[2], 1e-12);
        s.update(new int[] {0, 0, 1, 1, 2, 2, 3}, new double[] {1, 1, 2, 2, 3, 3, 4});
        assertEquals(0.25, s.probabilities()[3], 1e-12, "uniform until every step has its history");
        s.update(new int[] {3, 3}, new double[] {4, 4}); // t = 3 keeps the last two: 4, 4
        double[] p = s.probabilities();
        // √E[L²] = 1, 2, 3, 4 → ∝ 0.1..0.4, mixed with 10% uniform
        for (int t = 0; t < 4; t++) {
            assertEquals(0.9 * (t + 1) / 10.0 + 0.1 / 4, p[t], 1e-12);
        }
        TimestepSampler.Draw draw = s.sample(1000, new java.util.SplittableRandom(1));
        int[] counts = new int[4];
        for (int i = 0; i < 1000; i++) {
            counts[draw.t()[i]]++;
            assertEquals(1 / (4 * p[draw.t()[i]]), draw.weights()[i], 1e-12);
        }
        assertTrue(counts[3] > 2.5 * counts[0], java.util.Arrays.toString(counts));
        LossAwareTimesteps resumed = new LossAwareTimesteps(4, 2, 0.1);
        resumed.restore(s.state());
        assertArrayEquals(p, resumed.probabilities(), 1e-6, "a checkpoint's state gives the same distribution");
        resumed.restore(java.util.Map.of()); // a run that did not adapt before
        assertArrayEquals(p, resumed.probabilities(), 1e-6);
        assertThrows(IllegalArgumentException.class, () -> new LossAwareTimesteps(5, 2, 0.1).restore(s.state()));
        assertTrue(TimestepSampler.uniform(4).state().isEmpty());
    }
}

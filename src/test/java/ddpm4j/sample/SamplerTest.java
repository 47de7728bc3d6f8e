package ddpm4j.sample;

import ddpm4j.diffusion.Denoiser;
import ddpm4j.diffusion.GaussianDiffusion;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.schedule.Spacing;
import ddpm4j.torch.Natives;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplerTest {
    @BeforeAll
    static void natives() {
        Natives.load();
    }

    final GaussianDiffusion diffusion = GaussianDiffusion.of(SchedulerConfig.paper());

    /** A network that knows the data is the single image x0: it returns the exact noise of x_t. */
    Denoiser oracle(Tensor x0) {
        return (xt, t) -> {
            int[] ts = new int[(int) t.numel()];
            float[] tv = Tensors.toFloats(t);
            for (int i = 0; i < ts.length; i++) {
                ts[i] = (int) tv[i];
            }
            return diffusion.predictNoiseFromStart(xt, ts, x0);
        };
    }

    static float maxAbsDiff(Tensor a, Tensor b) {
        return a.sub(b).abs().max().item_float();
    }

    @Test
    void ddimWithAnExactNetworkReturnsTheData() {
        Tensor x0 = torch.rand(2, 3, 4, 4).mul(new org.bytedeco.pytorch.Scalar(1.6)).sub(new org.bytedeco.pytorch.Scalar(0.8));
        for (int steps : new int[] {1, 10, 50}) {
            for (double eta : new double[] {0.0, 1.0}) {
                NoiseSource noise = new NoiseSource(1, 0, 2, 3, 4, 4);
                Tensor out = new DdimSampler(diffusion, steps, eta, false, 1).sample(oracle(x0), noise.next(), noise, StepListener.NONE);
                assertEquals(0, maxAbsDiff(out, x0), 1e-4, steps + " steps, eta " + eta);
            }
        }
    }

    @Test
    void ancestralWithAnExactNetworkReturnsTheData() {
        Tensor x0 = torch.rand(2, 1, 3, 3).sub(new org.bytedeco.pytorch.Scalar(0.5));
        NoiseSource noise = new NoiseSource(5, 0, 2, 1, 3, 3);
        int[] calls = {0};
        Tensor out = new AncestralSampler(diffusion, true, 1).sample(oracle(x0), noise.next(), noise, (done, total) -> calls[0]++);
        assertEquals(1000, calls[0]);
        assertEquals(0, maxAbsDiff(out, x0), 1e-4);
    }

    @Test
    void ddimTimestepsUseLeadingSpacing() {
        assertArrayEquals(new int[] {900, 800, 700, 600, 500, 400, 300, 200, 100, 0}, new DdimSampler(diffusion, 10, 0, false, 1).timesteps());
        assertArrayEquals(new int[] {666, 333, 0}, new DdimSampler(diffusion, 3, 0, false, 1).timesteps());
        assertArrayEquals(new int[] {0}, new DdimSampler(diffusion, 1, 0, false, 1).timesteps());
        assertThrows(IllegalArgumentException.class, () -> new DdimSampler(diffusion, 0, 0, false, 1));
        assertThrows(IllegalArgumentException.class, () -> new DdimSampler(diffusion, 1001, 0, false, 1));
    }

    @Test
    void noiseDependsOnTheImageIndexNotTheBatch() {
        float[] whole = Tensors.toFloats(new NoiseSource(42, 0, 4, 2, 3, 3).next());
        float[] first = Tensors.toFloats(new NoiseSource(42, 0, 2, 2, 3, 3).next());
        float[] second = Tensors.toFloats(new NoiseSource(42, 2, 2, 2, 3, 3).next());
        float[] joined = new float[whole.length];
        System.arraycopy(first, 0, joined, 0, first.length);
        System.arraycopy(second, 0, joined, first.length, second.length);
        assertArrayEquals(whole, joined);
        assertNotEquals(Tensors.toFloats(new NoiseSource(43, 0, 1, 2, 3, 3).next())[0], whole[0]);
        // standard normal
        Tensor big = new NoiseSource(7, 0, 1, 100_000).next();
        assertEquals(0, big.mean().item_float(), 0.01);
        assertEquals(1, big.std().item_float(), 0.01);
    }

    @Test
    void respacedAncestralSamplingWithAnExactNetworkReturnsTheData() {
        Tensor x0 = torch.rand(2, 1, 3, 3).sub(new org.bytedeco.pytorch.Scalar(0.5));
        for (Spacing spacing : Spacing.values()) {
            Respaced process = Respaced.of(diffusion, 25, spacing);
            NoiseSource noise = new NoiseSource(5, 0, 2, 1, 3, 3);
            int[] seen = new int[1000];
            Denoiser recording = (x, t) -> {
                seen[(int) Tensors.toFloats(t)[0]]++;
                return oracle(x0).apply(x, t);
            };
            Tensor out = new AncestralSampler(process, true, 1).sample(recording, noise.next(), noise, StepListener.NONE);
            assertEquals(0, maxAbsDiff(out, x0), 1e-4, spacing.key());
            for (int k : process.kept()) {
                assertEquals(1, seen[k], "the network sees original step " + k + " once");
            }
            assertEquals(25, java.util.Arrays.stream(seen).sum());
        }
    }

    /**
     * For data x₀ ~ N(μ, s²) per pixel the best ε-prediction is known in closed form:
     * E[ε | x_t] = √(1−ᾱ)(x_t − √ᾱ μ) / (ᾱ s² + 1 − ᾱ). DDIM with η = 0 then follows the exact
     * probability-flow ODE, so encoding and decoding return the start up to discretisation error.
     */
    @Test
    void ddimInversionWithAnExactGaussianNetworkReturnsItsStart() {
        double mu = 0.2;
        double s2 = 0.09;
        Denoiser gaussian = (xt, t) -> {
            double ab = diffusion.schedule().alphaBar((int) Tensors.toFloats(t)[0]);
            double scale = Math.sqrt(1 - ab) / (ab * s2 + 1 - ab);
            return xt.sub(new org.bytedeco.pytorch.Scalar(Math.sqrt(ab) * mu)).mul(new org.bytedeco.pytorch.Scalar(scale));
        };
        Tensor x0 = new NoiseSource(11, 0, 2, 1, 4, 4).next().mul(new org.bytedeco.pytorch.Scalar(Math.sqrt(s2))).add(new org.bytedeco.pytorch.Scalar(mu));
        double previous = Double.MAX_VALUE;
        for (int steps : new int[] {50, 200, 1000}) {
            DdimSampler ddim = new DdimSampler(Respaced.of(diffusion, steps, Spacing.LINSPACE), 0, false, 1);
            Tensor xT = ddim.encode(gaussian, x0, StepListener.NONE);
            double noiseLike = xT.std().item_float();
            assertEquals(1, noiseLike, 0.5, "the encoding is noise-like");
            NoiseSource unused = new NoiseSource(0, 0, 2, 1, 4, 4);
            double error = maxAbsDiff(ddim.sample(gaussian, xT, unused, StepListener.NONE), x0);
            // first-order in both directions: the error shrinks like 1/S (measured about 0.10, 0.03, 0.006)
            assertTrue(error < 8.0 / steps, steps + " steps: error " + error);
            assertTrue(error < previous, "more steps, less error");
            previous = error;
        }
    }

    @Test
    void interpolationAtLambdaZeroAndOneDecodesTheEndpointsEncodings() {
        Tensor a = new NoiseSource(1, 0, 1, 1, 3, 3).next();
        Tensor b = new NoiseSource(2, 0, 1, 1, 3, 3).next();
        Tensor mixed = Interpolation.mix(a, b, new double[] {0, 0.25, 1});
        assertArrayEquals(Tensors.toFloats(a), Tensors.toFloats(mixed.narrow(0, 0, 1)));
        assertArrayEquals(Tensors.toFloats(b), Tensors.toFloats(mixed.narrow(0, 2, 1)));
        float[] quarter = Tensors.toFloats(mixed.narrow(0, 1, 1));
        for (int i = 0; i < quarter.length; i++) {
            assertEquals(0.75f * Tensors.toFloats(a)[i] + 0.25f * Tensors.toFloats(b)[i], quarter[i], 1e-6);
        }
        // Decoding: λ = 0 and 1 are the reverse process from each image's own encoding, with the same noise.
        Tensor x0a = a.clamp(new org.bytedeco.pytorch.ScalarOptional(new org.bytedeco.pytorch.Scalar(-1)),
                new org.bytedeco.pytorch.ScalarOptional(new org.bytedeco.pytorch.Scalar(1)));
        Tensor x0b = b.clamp(new org.bytedeco.pytorch.ScalarOptional(new org.bytedeco.pytorch.Scalar(-1)),
                new org.bytedeco.pytorch.ScalarOptional(new org.bytedeco.pytorch.Scalar(1)));
        Denoiser net = (x, t) -> x.mul(new org.bytedeco.pytorch.Scalar(0.3)); // any deterministic function of x_t
        AncestralSampler sampler = new AncestralSampler(diffusion, true, 1);
        Interpolation.Result r = Interpolation.run(sampler, net, x0a, x0b, 40, new double[] {0, 1}, 7, StepListener.NONE);
        Tensor noise = new NoiseSource(7, 0, 1, 1, 3, 3).next();
        for (int end = 0; end < 2; end++) {
            Tensor xt = diffusion.qSample(end == 0 ? x0a : x0b, new int[] {40}, noise);
            float[] alone = Tensors.toFloats(sampler.sample(net, xt, sampler.positionOf(40), NoiseSource.shared(7, 1, 1, 1, 3, 3), StepListener.NONE, Trajectory.NONE));
            float[] inRun = java.util.Arrays.copyOfRange(r.decoded(), end * 9, end * 9 + 9);
            for (int i = 0; i < 9; i++) {
                assertEquals(alone[i], inRun[i], 1e-5, "lambda " + end);
            }
        }
    }
}

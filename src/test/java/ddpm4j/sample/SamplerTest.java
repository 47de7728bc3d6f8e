package ddpm4j.sample;

import ddpm4j.diffusion.Denoiser;
import ddpm4j.diffusion.GaussianDiffusion;
import ddpm4j.schedule.SchedulerConfig;
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
        assertArrayEquals(new int[] {900, 800, 700, 600, 500, 400, 300, 200, 100, 0}, DdimSampler.leadingTimesteps(1000, 10));
        assertArrayEquals(new int[] {666, 333, 0}, DdimSampler.leadingTimesteps(1000, 3));
        assertArrayEquals(new int[] {0}, DdimSampler.leadingTimesteps(1000, 1));
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
}

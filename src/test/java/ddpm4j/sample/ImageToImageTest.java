package ddpm4j.sample;

import ddpm4j.diffusion.Denoiser;
import ddpm4j.schedule.SchedulerClass;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.torch.Device;
import ddpm4j.torch.Natives;
import ddpm4j.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SDEdit through the samplers' factory: where each strength starts (diffusers' get_timesteps), strength 0 and 1
 * against the input and unconditional sampling, batch-size independence, and, on Gaussian data with the exact
 * network of {@link SchedulerContractTest}, that the edits keep the data's distribution and as much of the input as
 * closed forms say.
 */
class ImageToImageTest {
    /** The schedulers of a process of β's (EdmSamplersTest covers the EDM ones). */
    static final java.util.List<SchedulerClass> BETA_SCHEDULERS = java.util.Arrays.stream(SchedulerClass.values()).filter(SchedulerClass::hasBetas).toList();

    private static final long[] SHAPE = {1, 8, 8};

    @BeforeAll
    static void natives() {
        Natives.load();
    }

    private static TracedSampler sampler(SchedulerClass kind, int steps) {
        return Samplers.of(SchedulerContractTest.config(kind, "epsilon"), steps);
    }

    private static Denoiser exact(SchedulerClass kind) {
        return SchedulerContractTest.gaussian(SchedulerContractTest.config(kind, "epsilon").schedule(), "epsilon");
    }

    /** Gaussian data N(0.2, 0.09) per pixel, {@code n} images, seeded. */
    private static Editing.Images data(int n, long seed) {
        float[] v = Tensors.toFloats(new NoiseSource(seed, 0, n, SHAPE).next().mul(new Scalar(0.3)).add(new Scalar(0.2)));
        return new Editing.Images(v, n, SHAPE);
    }

    @Test
    void strengthSelectsTheStartAsDiffusersGetTimesteps() {
        TracedSampler unipc = sampler(SchedulerClass.UNIPC, 10);
        assertEquals(10, ImageToImage.start(unipc, 0));
        assertEquals(8, ImageToImage.start(unipc, 0.25));
        assertEquals(5, ImageToImage.start(unipc, 0.5));
        assertEquals(3, ImageToImage.start(unipc, 0.75));
        assertEquals(1, ImageToImage.start(unipc, 0.99));
        assertEquals(0, ImageToImage.start(unipc, 1));
        TracedSampler heun = sampler(SchedulerClass.HEUN, 10); // 19 passes, a step's first pass is even
        for (double strength : new double[] {0.05, 0.29, 0.35, 0.49, 0.5, 0.91}) { // diffusers: timesteps[t_start * order:]
            int tStart = 10 - (int) Math.floor(10 * strength);
            assertEquals(tStart == 10 ? 19 : 2 * tStart, ImageToImage.start(heun, strength), "Heun at " + strength); // 19: no pass
        }
        assertEquals(19, ImageToImage.start(heun, 0));
        assertEquals(0, ImageToImage.start(heun, 1));
        TracedSampler pndm = sampler(SchedulerClass.PNDM, 10); // 12 Runge-Kutta passes, then 7 PLMS: starts 0, 12 … 18
        assertEquals(12, ImageToImage.start(pndm, 0.9)); // 8 − 7 = 1: the first start after the warm-up
        assertEquals(16, ImageToImage.start(pndm, 0.45)); // 8 − 3 = 5
        assertEquals(0, ImageToImage.start(pndm, 1));
        assertEquals(5, ImageToImage.passes(unipc, 0.5));
        assertThrows(IllegalArgumentException.class, () -> ImageToImage.start(unipc, 1.5));
        assertThrows(IllegalArgumentException.class, () -> ImageToImage.start(unipc, Double.NaN));
    }

    @Test
    void strengthZeroReturnsTheInputWithoutRunningTheNetwork() {
        Denoiser never = (x, t) -> {
            throw new AssertionError("the network ran at strength 0");
        };
        Editing.Images in = data(3, 1);
        float[] out = Editing.imageToImage((f, n) -> never, Device.CPU, sampler(SchedulerClass.DDIM, 10), 0, Noise.perImage(4), in, 2, k -> { });
        assertArrayEquals(in.pixels(), out);
    }

    @Test
    void strengthOneIsUnconditionalSamplingFromTheSameNoise() {
        for (SchedulerClass kind : BETA_SCHEDULERS) {
            try (PointerScope scope = new PointerScope()) {
                TracedSampler s = sampler(kind, kind == SchedulerClass.DDPM ? 50 : 10);
                Denoiser net = exact(kind);
                float[] edited = Editing.imageToImage((f, n) -> net, Device.CPU, s, 1, Noise.perImage(9), data(3, 2), 2, k -> { });
                float[] sampled = Generation.generate(net, Device.CPU, s, 9, 3, 2, SHAPE, null, k -> { });
                assertArrayEquals(sampled, edited, kind.className);
            }
        }
    }

    @Test
    void theEditsOfAnImageDoNotDependOnTheBatchSize() {
        TracedSampler s = sampler(SchedulerClass.DDPM, 50); // stochastic: every step draws from the image's stream
        Denoiser net = exact(SchedulerClass.DDPM);
        Editing.Images in = data(5, 3);
        float[] one = Editing.imageToImage((f, n) -> net, Device.CPU, s, 0.6, Noise.perImage(1), in, 1, k -> { });
        float[] three = Editing.imageToImage((f, n) -> net, Device.CPU, s, 0.6, Noise.perImage(1), in, 3, k -> { });
        assertArrayEquals(one, three, 1e-6f);
    }

    /**
     * On Gaussian data the edit from x_t has closed forms: an ancestral edit is a draw of p(x₀ | x_t), whose
     * correlation with the input is ᾱ s² / (ᾱ s² + 1 − ᾱ) at the start's ᾱ; the deterministic flow maps x_t to
     * μ + (x_t/α − μ)·s/√(s² + σ²), correlated √ of that. Both keep the data's N(μ, s²).
     */
    @Test
    void editsKeepTheDataDistributionAndTheInputAsTheClosedFormsSay() {
        Editing.Images in = data(64, 5);
        for (SchedulerClass kind : new SchedulerClass[] {SchedulerClass.DDPM, SchedulerClass.UNIPC}) {
            SchedulerConfig c = SchedulerContractTest.config(kind, "epsilon");
            TracedSampler s = sampler(kind, kind == SchedulerClass.DDPM ? 1000 : 50); // few ancestral steps under-disperse
            Denoiser net = exact(kind);
            for (double strength : new double[] {0.02, 0.05, 0.1, 0.25}) {
                try (PointerScope scope = new PointerScope()) {
                    float[] out = Editing.imageToImage((f, n) -> net, Device.CPU, s, strength, Noise.perImage(2), in, 64, k -> { });
                    Tensor t = Tensors.fromFloats(out, out.length);
                    String name = kind.className + " at " + strength;
                    assertEquals(0.2, t.mean().item_double(), 0.02, name + " mean");
                    assertEquals(0.3, t.std().item_double(), 0.02, name + " std");
                    double ab = c.schedule().alphaBar(s.timesteps()[ImageToImage.start(s, strength)]);
                    double kept = ab * 0.09 / (ab * 0.09 + 1 - ab);
                    double expected = kind == SchedulerClass.DDPM ? kept : Math.sqrt(kept);
                    assertEquals(expected, correlation(in.pixels(), out), 0.05, name + " correlation with the input");
                }
            }
        }
    }

    private static double correlation(float[] a, float[] b) {
        double ma = 0;
        double mb = 0;
        for (int i = 0; i < a.length; i++) {
            ma += a[i];
            mb += b[i];
        }
        ma /= a.length;
        mb /= b.length;
        double sab = 0;
        double saa = 0;
        double sbb = 0;
        for (int i = 0; i < a.length; i++) {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        return sab / Math.sqrt(saa * sbb);
    }
}

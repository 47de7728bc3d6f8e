package ddpm4j.sample;

import ddpm4j.diffusion.Denoiser;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.torch.Natives;
import ddpm4j.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static ddpm4j.sample.DiffusersSchedulerParityTest.DUMMY;
import static ddpm4j.sample.DiffusersSchedulerParityTest.dummyNoiseDeter;
import static ddpm4j.sample.DiffusersSchedulerParityTest.dummySampleDeter;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RePaint against diffusers' loop. diffusers has no full-loop test of RePaintScheduler (tests/schedulers holds none;
 * its pipeline test runs a randomly initialised UNet), so the numbers here come from {@code reference/repaint_reference.py}:
 * diffusers' set_timesteps / step / undo_step and the pipeline's loop written out in torch 1.13 on diffusers' scheduler-test
 * inputs (dummy model x·t/(t+1), dummy_sample_deter as the image, the mask dummy_noise_deter > 0.5, noise of
 * torch.manual_seed(0) in the pipeline's order). Its float64-schedule figures are used; the float32 ones (diffusers')
 * differ by at most 2e-4 on the sums.
 */
class RePaintSamplerTest {
    @BeforeAll
    static void natives() {
        Natives.load();
    }

    private static final SchedulerConfig PROCESS = SchedulerConfig.parse("{\"_class_name\": \"DDPMScheduler\", \"num_train_timesteps\": 1000,"
            + " \"beta_start\": 0.0001, \"beta_end\": 0.02, \"beta_schedule\": \"linear\", \"clip_sample\": true}");

    private static RePaintSampler sampler(int steps, int jumpLength, int jumpNSample, double eta, boolean clip) {
        return Samplers.rePaint(PROCESS.withSetting("clip_sample", clip), steps, jumpLength, jumpNSample, eta);
    }

    /** |x| summed and averaged after inpainting dummy_sample_deter where dummy_noise_deter > 0.5 is kept. */
    private static double[] run(RePaintSampler s, boolean known) {
        try (PointerScope scope = new PointerScope()) {
            NoiseSource noise = NoiseSource.torch(new TorchGenerator(0), 4, 3, 8, 8);
            Tensor xT = noise.next();
            Tensor mask = dummyNoiseDeter().gt(new Scalar(0.5)).to(org.bytedeco.pytorch.global.torch.ScalarType.Float);
            Tensor out = known ? s.sample(DUMMY, xT, new KnownRegion(dummySampleDeter(), mask), noise, StepListener.NONE, Trajectory.NONE)
                    : s.sample(DUMMY, xT, noise, StepListener.NONE);
            return new double[] {out.abs().sum().item_double(), out.abs().mean().item_double()};
        }
    }

    private static void check(String name, double sum, double mean, double[] got) {
        assertEquals(sum, got[0], 2e-3, name + " sum");
        assertEquals(mean, got[1], 1e-5, name + " mean");
    }

    @Test
    void visitsTheTimestepsOfDiffusersSetTimesteps() {
        assertArrayEquals(new int[] {900, 800, 700, 600, 700, 800, 900, 800, 700, 600, 700, 800, 900, 800, 700, 600, 500, 400, 300, 400,
                500, 600, 500, 400, 300, 400, 500, 600, 500, 400, 300, 200, 100, 0, 100, 200, 300, 200, 100, 0, 100, 200, 300, 200, 100, 0},
                sampler(10, 3, 3, 0, true).timesteps());
        assertEquals(10 + 3 * 2 * 3, sampler(10, 3, 3, 0, true).passes()); // passes: 10 down, then 2 extra samplings of 3 steps at 3 points
        assertEquals(250 + 24 * 9 * 10, sampler(250, 10, 10, 0, true).passes()); // diffusers' defaults
        RePaintSampler replace = sampler(50, 10, 1, 0, true);
        assertEquals(50, replace.passes());
        assertEquals(50, replace.timesteps().length); // no jumps back up
    }

    @Test
    void fullLoopsReproduceTheReference() {
        check("steps 10, jump 3 x3, eta 0, clip", 240.17421, 0.312727, run(sampler(10, 3, 3, 0, true), true));
        check("steps 10, jump 3 x3, eta 1, no clip", 227.02553, 0.295606, run(sampler(10, 3, 3, 1, false), true));
        check("steps 250, jump 10 x10, eta 0, clip", 183.44826, 0.238865, run(sampler(250, 10, 10, 0, true), true));
        check("steps 50, replace, eta 1, clip", 225.50172, 0.293622, run(sampler(50, 1, 1, 1, true), true));
        check("unconditional, steps 10, jump 3 x3", 287.99728, 0.374996, run(sampler(10, 3, 3, 0, true), false));
    }

    /** A network that is no help: it predicts noise of its own, so only the known region can pull the result back. */
    private static final Denoiser NOISY = (x, t) -> x.mul(new Scalar(0.3)).add(new Scalar(0.1));

    @Test
    void aMaskThatKeepsEverythingReturnsTheInput() {
        try (PointerScope scope = new PointerScope()) {
            Tensor image = dummySampleDeter().mul(new Scalar(2)).sub(new Scalar(1));
            NoiseSource noise = new NoiseSource(5, 0, 4, 3, 8, 8);
            Tensor out = sampler(20, 5, 3, 1, true).sample(NOISY, noise.next(), new KnownRegion(image, Tensors.fromFloats(new float[64], 1, 1, 8, 8)
                    .add(new Scalar(1.0))), noise, StepListener.NONE, Trajectory.NONE);
            assertArrayEquals(Tensors.toFloats(image), Tensors.toFloats(out));
        }
    }

    @Test
    void theKnownPixelsAreTheInputsAndTheOthersAreNot() {
        try (PointerScope scope = new PointerScope()) {
            Tensor image = dummySampleDeter().mul(new Scalar(2)).sub(new Scalar(1));
            float[] keep = new float[4 * 64];
            for (int i = 0; i < keep.length; i++) {
                keep[i] = (i * 7) % 3 == 0 ? 1 : 0; // a different mask per image
            }
            NoiseSource noise = new NoiseSource(6, 0, 4, 3, 8, 8);
            float[] out = Tensors.toFloats(sampler(20, 5, 3, 0, true).sample(NOISY, noise.next(), new KnownRegion(image, Tensors.fromFloats(keep, 4, 1, 8, 8)),
                    noise, StepListener.NONE, Trajectory.NONE));
            float[] in = Tensors.toFloats(image);
            int differ = 0;
            for (int i = 0; i < out.length; i++) {
                int pixel = (i / 192) * 64 + i % 64;
                if (keep[pixel] == 1) {
                    assertEquals(in[i], out[i], 0f, "kept value " + i);
                } else if (Math.abs(in[i] - out[i]) > 1e-3) {
                    differ++;
                }
            }
            assertTrue(differ > 400, differ + " of the 512 inpainted values differ from the input");
        }
    }

    /**
     * Nothing known, the loop samples: on Gaussian data N(0.2, 0.09) per pixel with the exact network, DDIM steps
     * and the re-noising of each jump keep the marginals, so the samples have the data's mean and spread (η = 1 with
     * 250 steps: at stride 20 its point estimate of x₀ loses 12% of the spread, as ancestral sampling with few steps does).
     */
    @Test
    void withNothingKnownItSamplesTheDataDistribution() {
        SchedulerConfig c = SchedulerContractTest.config(ddpm4j.schedule.SchedulerClass.DDPM, "epsilon");
        Denoiser net = SchedulerContractTest.gaussian(c.schedule(), "epsilon");
        for (double eta : new double[] {0, 1}) {
            try (PointerScope scope = new PointerScope()) {
                NoiseSource noise = new NoiseSource(8, 0, 64, 1, 8, 8);
                Tensor out = Samplers.rePaint(c, eta == 0 ? 50 : 250, 10, 3, eta).sample(net, noise.next(), noise, StepListener.NONE);
                assertEquals(0.2, out.mean().item_double(), 0.02, "eta " + eta + " mean");
                assertEquals(0.3, out.std().item_double(), 0.02, "eta " + eta + " std");
            }
        }
    }

    @Test
    void refusesValuesItCannotHonour() {
        assertThrows(IllegalArgumentException.class, () -> sampler(0, 10, 10, 0, true));
        assertThrows(IllegalArgumentException.class, () -> sampler(1001, 10, 10, 0, true));
        assertThrows(IllegalArgumentException.class, () -> sampler(50, 0, 10, 0, true));
        assertThrows(IllegalArgumentException.class, () -> sampler(50, 10, 0, 0, true));
        assertThrows(IllegalArgumentException.class, () -> sampler(50, 10, 10, 1.5, true));
        IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class, () -> sampler(250, 1, 2_000_000_000, 0, true));
        assertTrue(tooMany.getMessage().contains("at most " + RePaintSampler.MAX_VISITS), tooMany.getMessage());
    }

    @Test
    void theCountOfVisitsIsTheLengthOfTheList() {
        for (int[] c : new int[][] {{10, 3, 3}, {50, 10, 1}, {250, 10, 10}, {250, 1, 2}, {7, 7, 5}, {7, 8, 5}, {1, 1, 4}, {100, 30, 4}}) {
            assertEquals(RePaintSampler.visits(c[0], c[1], c[2], 1).length, RePaintSampler.visitCount(c[0], c[1], c[2]),
                    java.util.Arrays.toString(c));
        }
        assertEquals(4570, RePaintSampler.visitCount(250, 10, 10), "diffusers' defaults: 2,410 passes down, 2,160 steps up");
    }
}

package ddpm4j.sample;

import ddpm4j.diffusion.Denoiser;
import ddpm4j.schedule.SchedulerClass;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CMStochasticIterativeScheduler against diffusers' own tests (tests/schedulers/test_scheduler_consistency_model.py): the
 * CT ImageNet-64 configuration (201 steps, σ from 80 to 0.002), the deterministic sample of shape [4,3,8,8] and the
 * model x·t/(t+1), the noise from torch.manual_seed(0); and the σ's of OpenAI's two-step timesteps.
 */
class ConsistencySamplerTest {
    private static final SchedulerConfig CT_IMAGENET64 = SchedulerConfig.parse("""
            {"_class_name": "CMStochasticIterativeScheduler", "num_train_timesteps": 201, "sigma_min": 0.002, "sigma_max": 80.0}""");
    private static final SchedulerConfig CD = SchedulerConfig.parse("{\"_class_name\": \"CMStochasticIterativeScheduler\"}");

    /** diffusers' dummy_sample_deter (reversed: dummy_noise_deter): arange over (C, H, W, B) / 768, as [B, C, H, W]. */
    private static Tensor deterministic(boolean reversed) {
        float[] v = new float[4 * 3 * 8 * 8];
        for (int b = 0; b < 4; b++) {
            for (int c = 0; c < 3; c++) {
                for (int h = 0; h < 8; h++) {
                    for (int w = 0; w < 8; w++) {
                        int k = ((c * 8 + h) * 8 + w) * 4 + b;
                        v[((b * 3 + c) * 8 + h) * 8 + w] = (reversed ? 767 - k : k) / 768f;
                    }
                }
            }
        }
        return Tensors.fromFloats(v, 4, 3, 8, 8);
    }

    /** diffusers' dummy model: sample · t/(t+1). */
    private static final Denoiser MODEL = (x, t) -> x.mul(t.div(t.add(new Scalar(1.0))).reshape(-1, 1, 1, 1));

    private static NoiseSource torchNoise() {
        return NoiseSource.torch(new TorchGenerator(0), 4, 3, 8, 8);
    }

    private static void assertSums(Tensor x, double sum, double mean) {
        float[] v = Tensors.toFloats(x);
        double s = 0;
        for (float f : v) {
            s += Math.abs(f);
        }
        assertEquals(sum, s, 1e-2);
        assertEquals(mean, s / v.length, 1e-3);
    }

    @Test
    void oneStepMatchesDiffusers() {
        try (PointerScope scope = new PointerScope()) {
            TracedSampler one = Samplers.of(CT_IMAGENET64, 1);
            assertArrayEquals(new int[] {0}, one.timesteps());
            assertSums(one.sample(MODEL, deterministic(false), torchNoise(), StepListener.NONE), 192.7614, 0.2510);
        }
    }

    @Test
    void twoStepsAtExplicitTimestepsMatchDiffusers() {
        try (PointerScope scope = new PointerScope()) {
            TracedSampler two = Samplers.at(CT_IMAGENET64, new int[] {106, 0});
            assertEquals(1.9128436, ((ConsistencySampler) two).sigmas()[1], 1e-6);
            assertSums(two.sample(MODEL, deterministic(false), torchNoise(), StepListener.NONE), 347.6357, 0.4527);
        }
    }

    @Test
    void partWayFromNoisedDataMatchesDiffusers() {
        try (PointerScope scope = new PointerScope()) {
            TracedSampler ten = Samplers.of(CT_IMAGENET64, 10);
            assertArrayEquals(new int[] {180, 160, 140, 120, 100, 80, 60, 40, 20, 0}, ten.timesteps());
            // diffusers' test noises the sample as the loop starts it, times init_noise_sigma
            Tensor x = ten.addNoise(ten.initialSample(deterministic(false)), deterministic(true), 8);
            assertSums(ten.sample(MODEL, x, 8, torchNoise(), StepListener.NONE, Trajectory.NONE), 763.9186, 0.9947);
        }
    }

    /** OpenAI's two-step timesteps (scripts/launch.sh) on the 40-step grid of consistency distillation, and 250 ln σ. */
    @Test
    void openAisTwoStepSigmas() {
        assertEquals(40, CD.numTrainTimesteps());
        assertEquals(1, Samplers.defaultSteps(CD));
        double[] imagenet = ((ConsistencySampler) Samplers.at(CD, new int[] {22, 0})).sigmas();
        assertEquals(80.0, imagenet[0], 1e-5);
        assertEquals(1.38236796, imagenet[1], 1e-6);
        assertEquals(4.36556169, ((ConsistencySampler) Samplers.at(CD, new int[] {17, 0})).sigmas()[1], 1e-6);
        assertEquals(1095.50665867, ConsistencySampler.sigmaToT(80.0), 1e-6);
        assertEquals(-1553.65202, ConsistencySampler.sigmaToT(0.002), 1e-4);
    }

    @Test
    void refusesWhatDiffusersRefuses() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Samplers.at(CD, new int[] {39, 30, 12, 15, 0}));
        assertTrue(e.getMessage().contains("descending"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Samplers.at(CD, new int[] {40, 0}));
        assertThrows(IllegalArgumentException.class, () -> Samplers.of(CD, 41));
        assertThrows(IllegalArgumentException.class, () -> CD.with(SchedulerClass.DDIM));
        assertThrows(IllegalArgumentException.class, () -> SchedulerConfig.paper().with(SchedulerClass.CONSISTENCY));
        assertThrows(IllegalArgumentException.class, () -> Samplers.at(SchedulerConfig.paper(), new int[] {10, 0}));
        // a consistency model has no process of β's for bits/dim, RePaint or Algorithm 2 to step through
        assertThrows(IllegalArgumentException.class, () -> ddpm4j.diffusion.GaussianDiffusion.of(CD));
        assertThrows(IllegalArgumentException.class, () -> Samplers.rePaint(CD, 10, 2, 2, 1.0));
        assertThrows(IllegalArgumentException.class, () -> Samplers.ancestral(CD));
    }

    /** The configuration diffusers writes reads back as it was, without the β's it does not have. */
    @Test
    void configurationRoundTrips() {
        String json = CT_IMAGENET64.toJson();
        assertTrue(!json.contains("beta_start") && !json.contains("variance_type"), json);
        assertEquals(CT_IMAGENET64, SchedulerConfig.parse(json));
        assertEquals(null, CT_IMAGENET64.withSetting("sigma_data", 0.5).edm());
    }
}

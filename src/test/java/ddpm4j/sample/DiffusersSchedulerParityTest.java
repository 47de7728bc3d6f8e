package ddpm4j.sample;

import ddpm4j.diffusion.Denoiser;
import ddpm4j.diffusion.GaussianDiffusion;
import ddpm4j.diffusion.Prediction;
import ddpm4j.diffusion.VarianceType;
import ddpm4j.schedule.BetaSchedules;
import ddpm4j.schedule.NoiseSchedule;
import ddpm4j.schedule.Spacing;
import ddpm4j.torch.Natives;
import ddpm4j.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * diffusers' own regression numbers (tests/schedulers/test_scheduler_*.py) for the samplers that
 * stand for its schedulers: its dummy model x·t/(t+1), its deterministic sample [4,3,8,8], 10 steps
 * of linear β 1e-4..0.02 over T = 1000, then sum and mean of |x| after the loop. DPM-Solver++ in
 * test_scheduler_dpm_multi.py's configuration: order 2, midpoint, linspace spacing, final σ = σ_min.
 */
class DiffusersSchedulerParityTest {
    private static final NoiseSchedule LINEAR = new NoiseSchedule(BetaSchedules.linear(1000, 1e-4, 0.02));

    @BeforeAll
    static void natives() {
        Natives.load();
    }

    /** diffusers' dummy_sample_deter: arange(768) as [C=3,H=8,W=8,B=4] / 768, permuted to [B,C,H,W]. */
    static Tensor dummySampleDeter() {
        int n = 4 * 3 * 8 * 8;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = i / (float) n;
        }
        return Tensors.fromFloats(v, 3, 8, 8, 4).permute(3, 0, 1, 2).contiguous();
    }

    /** diffusers' dummy_model: x · t / (t + 1). */
    static final Denoiser DUMMY = (x, t) -> {
        Tensor tt = t.to(torch.ScalarType.Float).reshape(-1, 1, 1, 1);
        return x.mul(tt).div(tt.add(new Scalar(1.0)));
    };

    private static double fullLoopMean(Prediction prediction) {
        try (PointerScope scope = new PointerScope()) {
            GaussianDiffusion d = new GaussianDiffusion(LINEAR, prediction, VarianceType.FIXED_SMALL);
            DpmSolverMultistepSampler s = new DpmSolverMultistepSampler(d, 10, Spacing.LINSPACE, 2,
                    DpmSolverMultistepSampler.SolverType.MIDPOINT, false, DpmSolverMultistepSampler.FinalSigma.SIGMA_MIN); // the test's final_sigmas_type
            Tensor out = s.sample(DUMMY, dummySampleDeter(), new NoiseSource(0, 0, 4, 3, 8, 8), StepListener.NONE);
            return out.abs().mean().item_double();
        }
    }

    @Test
    void fullLoopMatchesDiffusers() {
        assertEquals(0.3301, fullLoopMean(Prediction.EPSILON), 1e-3); // test_full_loop_no_noise
        assertEquals(0.2251, fullLoopMean(Prediction.V), 1e-3); // test_full_loop_with_v_prediction
    }

    @Test
    void timestepsAreDiffusersSpacings() {
        assertArrayEquals(new int[] {999, 899, 799, 699, 599, 500, 400, 300, 200, 100},
                DpmSolverMultistepSampler.timesteps(1000, 10, Spacing.LINSPACE));
        assertArrayEquals(new int[] {900, 810, 720, 630, 540, 450, 360, 270, 180, 90},
                DpmSolverMultistepSampler.timesteps(1000, 10, Spacing.LEADING));
        assertArrayEquals(new int[] {999, 899, 799, 699, 599, 499, 399, 299, 199, 99},
                DpmSolverMultistepSampler.timesteps(1000, 10, Spacing.TRAILING));
    }

    @Test
    void orderOneIsDdim() {
        try (PointerScope scope = new PointerScope()) {
            GaussianDiffusion d = new GaussianDiffusion(LINEAR, Prediction.EPSILON, VarianceType.FIXED_SMALL);
            Tensor x = dummySampleDeter();
            Tensor dpm = new DpmSolverMultistepSampler(d, 10, Spacing.TRAILING, 1, DpmSolverMultistepSampler.SolverType.MIDPOINT,
                    false, DpmSolverMultistepSampler.FinalSigma.ZERO).sample(DUMMY, x, new NoiseSource(0, 0, 4, 3, 8, 8), StepListener.NONE);
            Tensor ddim = new DdimSampler(Respaced.of(d, 10, Spacing.TRAILING), 0.0, false, 1.0)
                    .sample(DUMMY, x, new NoiseSource(0, 0, 4, 3, 8, 8), StepListener.NONE);
            assertEquals(0, dpm.sub(ddim).abs().max().item_double(), 1e-5);
        }
    }

    /**
     * diffusers' DDIMScheduler full loop (tests/schedulers/test_scheduler_ddim.py): 10 leading steps,
     * η = 0, x̂₀ clipped, ᾱ_prev = 1 at the end (set_alpha_to_one): ε sum 172.0067 mean 0.223967,
     * v-prediction sum 52.5302 mean 0.0684.
     */
    @Test
    void ddimFullLoopMatchesDiffusers() {
        double[][] expected = {{172.0067, 0.223967}, {52.5302, 0.0684}};
        Prediction[] predictions = {Prediction.EPSILON, Prediction.V};
        for (int k = 0; k < 2; k++) {
            try (PointerScope scope = new PointerScope()) {
                GaussianDiffusion d = new GaussianDiffusion(LINEAR, predictions[k], VarianceType.FIXED_SMALL);
                Tensor out = new DdimSampler(Respaced.of(d, 10, Spacing.LEADING), 0.0, true, 1.0)
                        .sample(DUMMY, dummySampleDeter(), new NoiseSource(0, 0, 4, 3, 8, 8), StepListener.NONE);
                assertEquals(expected[k][0], out.abs().sum().item_double(), 1e-2, predictions[k].configName);
                assertEquals(expected[k][1], out.abs().mean().item_double(), 1e-3, predictions[k].configName);
            }
        }
    }
}

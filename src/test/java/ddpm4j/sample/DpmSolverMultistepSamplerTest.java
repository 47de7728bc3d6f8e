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
 * diffusers' own regression numbers for DPMSolverMultistepScheduler
 * (tests/schedulers/test_scheduler_dpm_multi.py): its dummy model x·t/(t+1), its deterministic
 * sample, 10 steps of the default configuration (linear β 1e-4..0.02, T = 1000, order 2, midpoint,
 * dpmsolver++, linspace spacing, final σ zero), mean |x| after the loop.
 */
class DpmSolverMultistepSamplerTest {
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
}

package ddpm4j.sample;

import ddpm4j.diffusion.Denoiser;
import ddpm4j.schedule.SchedulerClass;
import ddpm4j.schedule.SchedulerConfig;
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
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * diffusers' own full-loop regression numbers (tests/schedulers/test_scheduler_*.py), each sampler
 * built only through {@link SchedulerConfig#parse} and {@link Samplers#of}: its dummy model x·t/(t+1),
 * its deterministic sample [4,3,8,8], 10 inference steps (the DDPM test: all 1000), then the sum and
 * mean of |x| after the loop, within diffusers' tolerances (1e-2 on the sum, 1e-3 on the mean unless
 * noted). The seeded cases (DDPM, Euler ancestral) draw from {@link TorchGenerator} seeded 0, as the
 * tests' {@code torch.manual_seed(0)}. The k-diffusion tests (Euler, Euler ancestral, Heun, LMS) pass
 * the input-scaled sample to {@code step}, which their pipelines do not; {@link SteppingScaledSample} runs that loop
 * through the production pass, and {@link SamplerTest} checks the pipelines' loop against closed forms.
 */
class DiffusersSchedulerParityTest {
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

    /** diffusers' dummy_noise_deter: the same layout of arange(768) reversed, / 768. */
    static Tensor dummyNoiseDeter() {
        int n = 4 * 3 * 8 * 8;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (n - 1 - i) / (float) n;
        }
        return Tensors.fromFloats(v, 3, 8, 8, 4).permute(3, 0, 1, 2).contiguous();
    }

    /** diffusers' dummy_model: x · t / (t + 1). */
    static final Denoiser DUMMY = (x, t) -> {
        Tensor tt = t.to(torch.ScalarType.Float).reshape(-1, 1, 1, 1);
        return x.mul(tt).div(tt.add(new Scalar(1.0)));
    };

    /** The tests' process: linear β from 1e-4 to 0.02 over {@code T} steps, plus the given keys. */
    static SchedulerConfig config(String className, int trainSteps, String extra) {
        return SchedulerConfig.parse("{\"_class_name\": \"" + className + "\", \"num_train_timesteps\": " + trainSteps
                + ", \"beta_start\": 0.0001, \"beta_end\": 0.02, \"beta_schedule\": \"linear\"" + (extra.isEmpty() ? "" : ", " + extra) + "}");
    }

    /** |x| summed and averaged after the loop. */
    private static double[] run(TracedSampler s, boolean seeded) {
        try (PointerScope scope = new PointerScope()) {
            NoiseSource noise = seeded ? NoiseSource.torch(new TorchGenerator(0), 4, 3, 8, 8) : new NoiseSource(0, 0, 4, 3, 8, 8);
            Tensor out = s.sample(DUMMY, dummySampleDeter(), noise, StepListener.NONE);
            return new double[] {out.abs().sum().item_double(), out.abs().mean().item_double()};
        }
    }

    /**
     * The tests' test_full_loop_with_noise: the deterministic sample noised with the deterministic noise to
     * loop position {@code start} ({@code add_noise(sample, noise, timesteps[t_start * order])}), then the loop
     * from there. The k-diffusion tests noise the sample after scaling it by init_noise_sigma.
     */
    private static double[] runWithNoise(TracedSampler s, int start, boolean seeded) {
        try (PointerScope scope = new PointerScope()) {
            NoiseSource noise = seeded ? NoiseSource.torch(new TorchGenerator(0), 4, 3, 8, 8) : new NoiseSource(0, 0, 4, 3, 8, 8);
            Tensor x0 = s.initialSample(dummySampleDeter());
            Tensor out = s.sample(DUMMY, s.addNoise(x0, dummyNoiseDeter(), start), start, noise, StepListener.NONE, Trajectory.NONE);
            return new double[] {out.abs().sum().item_double(), out.abs().mean().item_double()};
        }
    }

    /** The loop from position {@code start} on the plain deterministic sample (test_full_uneven_loop). */
    private static double[] runFrom(TracedSampler s, int start) {
        try (PointerScope scope = new PointerScope()) {
            Tensor out = s.sample(DUMMY, dummySampleDeter(), start, new NoiseSource(0, 0, 4, 3, 8, 8), StepListener.NONE, Trajectory.NONE);
            return new double[] {out.abs().sum().item_double(), out.abs().mean().item_double()};
        }
    }

    private static void check(String name, double sum, double mean, double[] got, double sumTol, double meanTol) {
        if (!Double.isNaN(sum)) {
            assertEquals(sum, got[0], sumTol, name + " sum");
        }
        assertEquals(mean, got[1], meanTol, name + " mean");
    }

    private static void check(String name, double sum, double mean, double[] got) {
        check(name, sum, mean, got, 1e-2, 1e-3);
    }

    @Test
    void ddpm() { // test_scheduler_ddpm.py: 1000 steps, fixed_small, clipped, noise from torch.manual_seed(0)
        String base = "\"variance_type\": \"fixed_small\", \"clip_sample\": true";
        check("no_noise", 258.9606, 0.3372, run(Samplers.of(config("DDPMScheduler", 1000, base), 1000), true));
        check("v", 202.0296, 0.2631, run(Samplers.of(config("DDPMScheduler", 1000, base + ", \"prediction_type\": \"v_prediction\""), 1000), true));
        // with_noise runs t = 1 and 0 only, where diffusers' float32 1 − ᾱ (≈ 1e-4) keeps 3–4 digits: the same loop in
        // torch float64 gives 387.96725 (float32: 387.94659, diffusers' number); this project's schedule is float64
        double[] withNoise = runWithNoise(Samplers.of(config("DDPMScheduler", 1000, base), 1000), 998, true);
        check("with_noise (float64 loop)", 387.96725, 0.5051, withNoise, 1e-3, 1e-3);
        check("with_noise (diffusers, float32 schedule)", 387.9466, 0.5051, withNoise, 0.03, 1e-3);
    }

    @Test
    void ddim() { // test_scheduler_ddim.py: clip_sample true, eta 0, leading spacing
        String base = "\"clip_sample\": true";
        check("no_noise", 172.0067, 0.223967, run(Samplers.of(config("DDIMScheduler", 1000, base), 10), false));
        check("v", 52.5302, 0.0684, run(Samplers.of(config("DDIMScheduler", 1000, base + ", \"prediction_type\": \"v_prediction\""), 10), false));
        SchedulerConfig one = config("DDIMScheduler", 1000, base + ", \"beta_start\": 0.01"); // a later key wins, as in Python
        check("set_alpha_to_one", 149.8295, 0.1951, run(Samplers.of(one.withSetting("set_alpha_to_one", true), 10), false));
        check("no_set_alpha_to_one", 149.0784, 0.1941, run(Samplers.of(one.withSetting("set_alpha_to_one", false), 10), false));
        check("with_noise", 354.5418, 0.4616, runWithNoise(Samplers.of(config("DDIMScheduler", 1000, base), 10), 8, false));
    }

    @Test
    void pndm() { // test_scheduler_pndm.py: 12 Runge-Kutta passes then 7 PLMS, set_alpha_to_one false by default
        SchedulerConfig c = config("PNDMScheduler", 1000, "");
        assertArrayEquals(new int[] {900, 850, 850, 800, 800, 750, 750, 700, 700, 650, 650, 600, 600, 500, 400, 300, 200, 100, 0},
                Samplers.of(c, 10).timesteps());
        assertArrayEquals(new int[] {901, 851, 851, 801, 801, 751, 751, 701, 701, 651, 651, 601, 601, 501, 401, 301, 201, 101, 1},
                Samplers.of(c.withSetting("steps_offset", 1), 10).timesteps());
        assertArrayEquals(new int[] {900, 800, 800, 700, 600, 500, 400, 300, 200, 100, 0},
                Samplers.of(c.withSetting("skip_prk_steps", true), 10).timesteps());
        check("no_noise", 198.1318, 0.2580, run(Samplers.of(c, 10), false));
        check("v", 67.3986, 0.0878, run(Samplers.of(config("PNDMScheduler", 1000, "\"prediction_type\": \"v_prediction\""), 10), false));
        SchedulerConfig beta = config("PNDMScheduler", 1000, "\"beta_start\": 0.01");
        check("set_alpha_to_one", 230.0399, 0.2995, run(Samplers.of(beta.withSetting("set_alpha_to_one", true), 10), false));
        check("no_set_alpha_to_one", 186.9482, 0.2434, run(Samplers.of(beta.withSetting("set_alpha_to_one", false), 10), false));
    }

    @Test
    void dpmSolverMultistep() { // test_scheduler_dpm_multi.py
        String base = "\"solver_order\": 2, \"thresholding\": false, \"sample_max_value\": 1.0, \"algorithm_type\": \"dpmsolver++\","
                + " \"solver_type\": \"midpoint\", \"lower_order_final\": false, \"euler_at_final\": false, \"lambda_min_clipped\": -Infinity,"
                + " \"variance_type\": null, \"final_sigmas_type\": \"sigma_min\"";
        String v = ", \"prediction_type\": \"v_prediction\"";
        check("no_noise", Double.NaN, 0.3301, run(Samplers.of(config("DPMSolverMultistepScheduler", 1000, base), 10), false));
        check("v", Double.NaN, 0.2251, run(Samplers.of(config("DPMSolverMultistepScheduler", 1000, base + v), 10), false));
        SchedulerConfig thres = config("DPMSolverMultistepScheduler", 1000, base).withSetting("thresholding", true)
                .withSetting("dynamic_thresholding_ratio", 0.87).withSetting("sample_max_value", 0.5);
        check("thresholding", Double.NaN, 1.1364, run(Samplers.of(thres, 10), false));
        SchedulerConfig karras = config("DPMSolverMultistepScheduler", 1000, base + v).withSetting("use_karras_sigmas", true);
        check("karras_v", Double.NaN, 0.2096, run(Samplers.of(karras, 10), false));
        SchedulerConfig lu = config("DPMSolverMultistepScheduler", 1000, base + v).withSetting("use_lu_lambdas", true);
        check("lu_v", Double.NaN, 0.1554, run(Samplers.of(lu, 10), false));
        SchedulerConfig c = config("DPMSolverMultistepScheduler", 1000, base);
        check("with_noise", 318.4111, 0.4146, runWithNoise(Samplers.of(c, 10), 5, false));
        // test_switch: through DPMSolverSinglestep, UniPC and DEIS and back, as from_config swaps them
        SchedulerConfig back = c.with(SchedulerClass.DPM_SOLVER_SINGLESTEP).with(SchedulerClass.UNIPC).with(SchedulerClass.DEIS)
                .with(SchedulerClass.DPM_SOLVER_MULTISTEP);
        check("switch", Double.NaN, 0.3301, run(Samplers.of(back, 10), false));
    }

    @Test
    void dpmSolverSinglestep() { // test_scheduler_dpm_single.py: blocks [1,2] x 5
        String base = "\"solver_order\": 2, \"prediction_type\": \"epsilon\", \"thresholding\": false, \"sample_max_value\": 1.0,"
                + " \"algorithm_type\": \"dpmsolver++\", \"solver_type\": \"midpoint\", \"lambda_min_clipped\": -Infinity,"
                + " \"variance_type\": null, \"final_sigmas_type\": \"sigma_min\"";
        SchedulerConfig c = config("DPMSolverSinglestepScheduler", 1000, base);
        SchedulerConfig v = c.with(ddpm4j.schedule.BetaSchedule.LINEAR, 1000, ddpm4j.schedule.VarianceType.FIXED_SMALL, ddpm4j.schedule.Prediction.V);
        check("no_noise", Double.NaN, 0.2791, run(Samplers.of(c, 10), false));
        check("karras", Double.NaN, 0.2248, run(Samplers.of(c.withSetting("use_karras_sigmas", true), 10), false));
        check("v", Double.NaN, 0.1453, run(Samplers.of(v, 10), false));
        check("karras_v", Double.NaN, 0.0649, run(Samplers.of(v.withSetting("use_karras_sigmas", true), 10), false));
        check("with_noise", 269.2187, 0.3505, runWithNoise(Samplers.of(c, 10), 5, false));
        check("uneven_loop", Double.NaN, 0.2574, runFrom(Samplers.of(c, 50), 3));
        SchedulerConfig back = c.with(SchedulerClass.DEIS).with(SchedulerClass.DPM_SOLVER_MULTISTEP).with(SchedulerClass.UNIPC)
                .with(SchedulerClass.DPM_SOLVER_SINGLESTEP);
        check("switch", Double.NaN, 0.2791, run(Samplers.of(back, 10), false));
        assertArrayEquals(new int[] {1, 2, 1, 2, 1, 2, 1, 2, 1, 1}, DpmSolverSinglestepSampler.orders(10, 2, true, true));
        assertArrayEquals(new int[] {1, 2, 3, 1, 2, 3, 1, 2, 3, 1}, DpmSolverSinglestepSampler.orders(10, 3, true, false));
        assertArrayEquals(new int[] {1, 2, 3, 1, 2, 1}, DpmSolverSinglestepSampler.orders(6, 3, true, false));
    }

    @Test
    void uniPc() { // test_scheduler_unipc.py: order 2, bh2, final sigma = sigma_min
        SchedulerConfig c = config("UniPCMultistepScheduler", 1000, "\"solver_order\": 2, \"solver_type\": \"bh2\", \"final_sigmas_type\": \"sigma_min\"");
        SchedulerConfig v = c.with(ddpm4j.schedule.BetaSchedule.LINEAR, 1000, ddpm4j.schedule.VarianceType.FIXED_SMALL, ddpm4j.schedule.Prediction.V);
        check("no_noise", Double.NaN, 0.2464, run(Samplers.of(c, 10), false));
        check("karras", Double.NaN, 0.2925, run(Samplers.of(c.withSetting("use_karras_sigmas", true), 10), false));
        check("v", Double.NaN, 0.1014, run(Samplers.of(v, 10), false));
        check("karras_v", Double.NaN, 0.1966, run(Samplers.of(v.withSetting("use_karras_sigmas", true), 10), false));
        check("with_noise", 315.5757, 0.4109, runWithNoise(Samplers.of(c, 10), 8, false));
    }

    @Test
    void deis() { // test_scheduler_deis.py: order 2, logrho
        SchedulerConfig c = config("DEISMultistepScheduler", 1000, "\"solver_order\": 2");
        check("no_noise", Double.NaN, 0.23916, run(Samplers.of(c, 10), false));
        check("with_noise", 315.3016, 0.41054, runWithNoise(Samplers.of(c, 10), 8, false));
        check("v", Double.NaN, 0.091, run(Samplers.of(c.with(ddpm4j.schedule.BetaSchedule.LINEAR, 1000, ddpm4j.schedule.VarianceType.FIXED_SMALL, ddpm4j.schedule.Prediction.V), 10), false));
    }

    @Test
    void euler() { // test_scheduler_euler.py: T = 1100, linspace, final sigma 0
        check("no_noise", 10.0807, 0.0131, run(quirk(config("EulerDiscreteScheduler", 1100, "")), false));
        check("v", 0.0002, 2.2676e-06, run(quirk(config("EulerDiscreteScheduler", 1100, "\"prediction_type\": \"v_prediction\"")), false));
        check("karras", 124.52299499511719, 0.16213932633399963,
                run(quirk(config("EulerDiscreteScheduler", 1100, "\"use_karras_sigmas\": true")), false));
        check("with_noise", 57062.9297, 74.3007, runWithNoise(quirk(config("EulerDiscreteScheduler", 1100, "")), 8, true));
    }

    @Test
    void eulerAncestral() { // test_scheduler_euler_ancestral.py: noise from torch.manual_seed(0) at every step
        check("no_noise", 152.3192, 0.1983, run(quirk(config("EulerAncestralDiscreteScheduler", 1100, "")), true));
        check("v", 108.4439, 0.1412, run(quirk(config("EulerAncestralDiscreteScheduler", 1100, "\"prediction_type\": \"v_prediction\"")), true));
        check("with_noise", 56163.0508, 73.1290, runWithNoise(quirk(config("EulerAncestralDiscreteScheduler", 1100, "")), 8, true));
    }

    @Test
    void heun() { // test_scheduler_heun.py: 19 network passes for 10 steps
        SchedulerConfig c = config("HeunDiscreteScheduler", 1100, "");
        assertEquals(19, Samplers.of(c, 10).passes());
        check("no_noise", 0.1233, 0.0002, run(quirk(c), false));
        check("v", 4.6934e-07, 6.1112e-10, run(quirk(config("HeunDiscreteScheduler", 1100, "\"prediction_type\": \"v_prediction\"")), false));
        check("karras", 0.00015, 1.9869554535034695e-07, run(quirk(c.withSetting("use_karras_sigmas", true)), false), 1e-2, 1e-2);
        check("with_noise", 75074.8906, 97.7538, runWithNoise(quirk(c), 16, false)); // t_start 8 × order 2
        assertThrows(IllegalArgumentException.class, () -> runWithNoise(quirk(c), 15, false)); // a correction pass
    }

    @Test
    void lms() { // test_scheduler_lms.py: order 4
        check("no_noise", 1006.388, 1.31, run(quirk(config("LMSDiscreteScheduler", 1100, "")), false));
        check("v", 0.0017, 2.2676e-06, run(quirk(config("LMSDiscreteScheduler", 1100, "\"prediction_type\": \"v_prediction\"")), false));
        check("karras", 3812.9927, 4.9648, run(quirk(config("LMSDiscreteScheduler", 1100, "\"use_karras_sigmas\": true")), false), 2e-2, 1e-3);
        // started part way, diffusers keeps the order of the step index (4 at step 8) with one slope kept
        check("with_noise", 27663.6895, 36.0204, runWithNoise(quirk(config("LMSDiscreteScheduler", 1100, "")), 8, false));
    }

    /** The k-diffusion tests' loop: 10 steps, each step taken from the input-scaled sample. */
    private static TracedSampler quirk(SchedulerConfig c) {
        return new SteppingScaledSample((SigmaSampler) Samplers.of(c, 10));
    }

    /**
     * The loop of diffusers' k-diffusion scheduler tests: {@code sample = scheduler.scale_model_input(sample, t)} then
     * {@code step(model(sample, t), t, sample)}, so {@code step} takes the input-scaled sample; and LMS of order
     * min(step index + 1, 4) however many slopes the loop has kept. Each pass is the production one.
     */
    private record SteppingScaledSample(SigmaSampler s) implements TracedSampler {
        @Override
        public Tensor sample(Denoiser model, Tensor x, int start, NoiseSource noise, StepListener listener, Trajectory trajectory) {
            return ReverseLoop.run(x, start, s.passes(), (i, current, carry) -> {
                Tensor scaled = s.scaleModelInput(current, i);
                return s.pass(model, i, scaled, scaled, Math.min(i + 1, SigmaSampler.LMS_ORDER), noise, carry, trajectory);
            }, listener);
        }

        @Override
        public int[] timesteps() {
            return s.timesteps();
        }

        @Override
        public Tensor initialSample(Tensor xT) {
            return s.initialSample(xT);
        }

        @Override
        public Tensor addNoise(Tensor x0, Tensor noise, int start) {
            return s.addNoise(x0, noise, start);
        }

        @Override
        public boolean startsAt(int position) {
            return s.startsAt(position);
        }
    }

    @Test
    void torchGeneratorDrawsAsTorchRandn() { // torch.manual_seed(0); torch.randn(4,3,8,8) then torch.randn(20), from python3-torch 1.13
        TorchGenerator g = new TorchGenerator(0);
        float[] a = g.randn(768);
        assertEquals(-1.1258398294448853, a[0], 1e-6);
        assertEquals(-1.152360200881958, a[1], 1e-6);
        assertEquals(-2.6133224964141846, a[100], 1e-6);
        assertEquals(-0.23261602222919464, a[767], 1e-6);
        float[] b = g.randn(20); // 20 is not a multiple of 16: the last 16 are drawn again
        assertEquals(0.4974166452884674, b[0], 1e-6);
        assertEquals(0.6727830171585083, b[19], 1e-6);
        assertThrows(IllegalArgumentException.class, () -> g.randn(8));
    }

    @Test
    void dpmTimestepsAreDiffusersSpacings() {
        assertArrayEquals(new int[] {999, 899, 799, 699, 599, 500, 400, 300, 200, 100},
                Spacing.LINSPACE.clipped(1000, 1000, 10, 0));
        assertArrayEquals(new int[] {900, 810, 720, 630, 540, 450, 360, 270, 180, 90},
                Spacing.LEADING.clipped(1000, 1000, 10, 0));
        assertArrayEquals(new int[] {999, 899, 799, 699, 599, 499, 399, 299, 199, 99},
                Spacing.TRAILING.clipped(1000, 1000, 10, 0));
        assertArrayEquals(new int[] {801, 601, 401, 201, 1}, // test_scheduler_ddim.py's steps_offset check
                Samplers.of(config("DDIMScheduler", 1000, "\"steps_offset\": 1"), 5).timesteps());
    }

    @Test
    void dpmOrderOneIsDdim() {
        try (PointerScope scope = new PointerScope()) {
            SchedulerConfig c = config("DPMSolverMultistepScheduler", 1000, "\"solver_order\": 1, \"timestep_spacing\": \"trailing\"");
            Tensor x = dummySampleDeter();
            Tensor dpm = Samplers.of(c, 10).sample(DUMMY, x, new NoiseSource(0, 0, 4, 3, 8, 8), StepListener.NONE);
            Tensor ddim = Samplers.of(c.with(ddpm4j.schedule.SchedulerClass.DDIM).withSetting("clip_sample", false), 10)
                    .sample(DUMMY, x, new NoiseSource(0, 0, 4, 3, 8, 8), StepListener.NONE);
            assertEquals(0, dpm.sub(ddim).abs().max().item_double(), 1e-5);
        }
    }
}

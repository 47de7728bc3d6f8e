package ddpm4j.sample;

import ddpm4j.diffusion.Denoiser;
import ddpm4j.diffusion.EdmPreconditioning;
import ddpm4j.schedule.Prediction;
import ddpm4j.schedule.SchedulerClass;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.torch.Natives;
import ddpm4j.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static ddpm4j.sample.DiffusersSchedulerParityTest.DUMMY;
import static ddpm4j.sample.DiffusersSchedulerParityTest.dummyNoiseDeter;
import static ddpm4j.sample.DiffusersSchedulerParityTest.dummySampleDeter;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * diffusers' EDM schedulers (EDMEulerScheduler, EDMDPMSolverMultistepScheduler) through {@link SchedulerConfig#parse} and
 * {@link Samplers#of}: diffusers' own full-loop numbers (tests/schedulers/test_scheduler_edm_*.py), its σ grids, and
 * the closed form of Gaussian data for every σ-based scheduler on an EDM process, with and without EDM's churn.
 */
class EdmSamplersTest {
    private static final double MU = 0.3;
    private static final double S = 0.5; // the data's standard deviation: σ_data 0.5 is exact for it

    @BeforeAll
    static void natives() {
        Natives.load();
    }

    private static SchedulerConfig parse(String json) {
        return SchedulerConfig.parse(json);
    }

    /** test_scheduler_edm_euler.py's configuration: T 256, σ from 0.002 to 80, the rest diffusers' defaults. */
    private static SchedulerConfig euler() {
        return parse("{\"_class_name\": \"EDMEulerScheduler\", \"num_train_timesteps\": 256, \"sigma_min\": 0.002, \"sigma_max\": 80.0}");
    }

    /** test_scheduler_edm_dpmsolver_multistep.py's configuration, with {@code extra} keys. */
    private static SchedulerConfig dpm(String extra) {
        return parse("{\"_class_name\": \"EDMDPMSolverMultistepScheduler\", \"sigma_min\": 0.002, \"sigma_max\": 80.0, \"sigma_data\": 0.5,"
                + " \"num_train_timesteps\": 1000, \"solver_order\": 2, \"prediction_type\": \"epsilon\", \"thresholding\": false,"
                + " \"sample_max_value\": 1.0, \"algorithm_type\": \"dpmsolver++\", \"solver_type\": \"midpoint\", \"lower_order_final\": false,"
                + " \"euler_at_final\": false, \"final_sigmas_type\": \"sigma_min\"" + extra + "}");
    }

    @Test
    void eulerFullLoopIsDiffusers() { // test_full_loop_no_noise: the pipeline's loop, sample · init_noise_sigma, 10 steps
        try (PointerScope scope = new PointerScope()) {
            TracedSampler s = Samplers.of(euler(), 10);
            Tensor out = s.sample(DUMMY, dummySampleDeter(), new NoiseSource(0, 0, 4, 3, 8, 8), StepListener.NONE);
            assertEquals(34.1855, out.abs().sum().item_double(), 1e-3);
            assertEquals(0.044, out.abs().mean().item_double(), 1e-3);
        }
    }

    @Test
    void gridsAreDiffusers() { // EDMEulerScheduler.set_timesteps(10) with the test's configuration, replayed from diffusers' code
        SigmaSchedule euler = SigmaSchedule.edm(euler().edm(), 10, SigmaSchedule.FinalSigma.ZERO, Math.sqrt(6401));
        assertArrayEquals(new double[] {80.0, 42.41518783569336, 21.10867691040039, 9.723201751708984, 4.0661234855651855, 1.5017420053482056,
                0.46997904777526855, 0.11663856357336044, 0.020435335114598274, 0.0020000000949949026, 0.0}, euler.sigmas(), 2e-7 * 80);
        assertArrayEquals(new double[] {1.0955066680908203, 0.936876654624939, 0.7624210715293884, 0.56862872838974, 0.35067251324653625,
                0.10165645182132721, -0.18876679241657257, -0.5371688604354858, -0.9726224541664124, -1.553652048110962}, euler.timesteps(), 1e-6);
        assertEquals(80.00624975587844, euler.initNoiseSigma(), 1e-9);
        SigmaSchedule dpm = SigmaSchedule.edm(dpm("").edm(), 10, SigmaSchedule.FinalSigma.SIGMA_MIN, 1.0);
        assertEquals(0.0020000000949949026, dpm.sigmas()[10], 0); // final_sigmas_type sigma_min: config.sigma_min in float32
        assertArrayEquals(new double[] {80.0, 0.0}, SigmaSchedule.edm(dpm("").edm(), 1, SigmaSchedule.FinalSigma.ZERO, 1.0).sigmas(), 0); // one step: σ_max
        double[] exp = SigmaSchedule.edm(dpm(", \"sigma_schedule\": \"exponential\"").edm(), 3, SigmaSchedule.FinalSigma.ZERO, 1.0).sigmas();
        assertArrayEquals(new double[] {80, Math.sqrt(80 * 0.002), 0.002, 0}, exp, 1e-5); // evenly in log σ
    }

    /**
     * The DPM tests' loop: the network on the sample as the scheduler carries it (x₀ + σ ε, not scaled by c_in), from
     * dummy_sample_deter itself (not scaled by init_noise_sigma). This project feeds the network c_in x, so the test's
     * network divides it out; the loop carries α(x₀ + σ ε), so it starts from the sample times α(σ_max).
     */
    private static double[] dpmLoop(SchedulerConfig c, int start, boolean noised) {
        try (PointerScope scope = new PointerScope()) {
            EdmPreconditioning p = EdmPreconditioning.of(c);
            Denoiser unscaled = (x, t) -> {
                double sigma = Math.exp(4 * Tensors.toFloats(t)[0]); // c_noise = ln(σ)/4
                return DUMMY.apply(x.div(new Scalar(p.cIn(sigma))), t);
            };
            SigmaGridSampler s = (SigmaGridSampler) Samplers.of(c, 10);
            Tensor x = noised ? s.addNoise(dummySampleDeter(), dummyNoiseDeter(), start)
                    : dummySampleDeter().mul(new Scalar(SigmaSpace.alpha(s.sigmas[0])));
            Tensor out = s.sample(unscaled, x, start, new NoiseSource(0, 0, 4, 3, 8, 8), StepListener.NONE, Trajectory.NONE);
            Tensor sample = out.div(new Scalar(SigmaSpace.alpha(s.sigmas[10]))); // x₀ + σ_min ε, as diffusers returns it
            return new double[] {sample.abs().sum().item_double(), sample.abs().mean().item_double()};
        }
    }

    @Test
    void dpmSolverFullLoopsAreDiffusers() { // test_scheduler_edm_dpmsolver_multistep.py
        assertEquals(0.0001, dpmLoop(dpm(""), 0, false)[1], 1e-3);
        assertEquals(0.0092, dpmLoop(dpm(", \"prediction_type\": \"v_prediction\""), 0, false)[1], 1e-3);
        assertEquals(0.0080, dpmLoop(dpm(", \"thresholding\": true, \"dynamic_thresholding_ratio\": 0.87, \"sample_max_value\": 0.5"), 0, false)[1], 1e-3);
        double[] withNoise = dpmLoop(dpm(""), 5, true);
        assertEquals(8.1661, withNoise[0], 1e-2);
        assertEquals(0.0106, withNoise[1], 1e-3);
    }

    /** The exact EDM network for data N(μ, s²): F = (D − c_skip x)/c_out of D(x; σ) = μ + s²/(s² + σ²)(x − μ), given (c_in x, c_noise). */
    static Denoiser gaussian(EdmPreconditioning p) {
        return (input, t) -> {
            double sigma = Math.exp(4 * Tensors.toFloats(t)[0]);
            Tensor x = input.div(new Scalar(p.cIn(sigma)));
            Tensor d = x.sub(new Scalar(MU)).mul(new Scalar(S * S / (S * S + sigma * sigma))).add(new Scalar(MU));
            return d.sub(x.mul(new Scalar(p.cSkip(sigma)))).div(new Scalar(p.cOut(sigma)));
        };
    }

    /**
     * The exact ε-network of a β process for data N(μ, s²) at any timestep, fractional ones read as the samplers read
     * them (σ interpolated in log σ between the training steps): E[ε | x] = σ_t (x − α μ)/(α² s² + σ_t²).
     */
    static Denoiser gaussianEpsilon(ddpm4j.schedule.NoiseSchedule schedule) {
        int steps = schedule.steps();
        double[] logSigma = new double[steps];
        for (int i = 0; i < steps; i++) {
            float ab = (float) schedule.alphaBar(i);
            logSigma[i] = Math.log((float) Math.sqrt((1f - ab) / ab));
        }
        return (x, t) -> {
            double tt = Tensors.toFloats(t.to(torch.ScalarType.Float))[0];
            int lo = Math.min((int) Math.floor(tt), steps - 2);
            double sigma = Math.exp(logSigma[lo] + (tt - lo) * (logSigma[lo + 1] - logSigma[lo]));
            double a = 1 / Math.sqrt(1 + sigma * sigma);
            double st = sigma * a;
            return x.sub(new Scalar(a * MU)).mul(new Scalar(st / (a * a * S * S + st * st)));
        };
    }

    private static float[] sample(TracedSampler s, Denoiser net, long seed) {
        try (PointerScope scope = new PointerScope()) {
            NoiseSource noise = new NoiseSource(seed, 0, 64, 1, 16, 16);
            return Tensors.toFloats(s.sample(net, noise.next(), noise, StepListener.NONE));
        }
    }

    /**
     * The standard deviation of Heun's samples with churn for N(μ, s²) data, from the loop's algebra alone: each step is
     * affine in x (D(x; σ) = μ + s²/(s² + σ²)(x − μ)) plus independent noise, so the variance is carried exactly.
     */
    static double heunStandardDeviation(int n, double sChurn, double sTmin, double sTmax, double sNoise) {
        return standardDeviation(true, n, sChurn, sTmin, sTmax, sNoise);
    }

    /** {@link #heunStandardDeviation} of Heun's ({@code heun}) or Euler's loop. */
    static double standardDeviation(boolean heun, int n, double sChurn, double sTmin, double sTmax, double sNoise) {
        double[] sig = java.util.Arrays.copyOf(new ddpm4j.schedule.EdmProcess(0.002, 80, 0.5, false, 7).sigmas(n), n + 1);
        double v = sig[0] * sig[0] + 1; // the starting noise, scaled by init_noise_sigma
        for (int i = 0; i < n; i++) {
            double sg = sig[i];
            double hat = sg >= sTmin && sg <= sTmax ? sg * (1 + Math.min(sChurn / n, Math.sqrt(2) - 1)) : sg;
            v += sNoise * sNoise * (hat * hat - sg * sg);
            double k = S * S / (S * S + hat * hat); // dD/dx at σ̂
            double h = sig[i + 1] - hat;
            double a1 = 1 + (1 - k) / hat * h; // the Euler point's slope in x
            double a = !heun || sig[i + 1] == 0 ? a1 : 1 + h / 2 * ((1 - k) / hat + (1 - S * S / (S * S + sig[i + 1] * sig[i + 1])) * a1 / sig[i + 1]);
            v *= a * a;
        }
        return Math.sqrt(v);
    }

    private static void assertGaussian(float[] v, String what, double tolerance) {
        assertGaussian(v, what, S, tolerance);
    }

    private static void assertGaussian(float[] v, String what, double sd0, double tolerance) {
        double mean = 0;
        for (float f : v) {
            mean += f;
        }
        mean /= v.length;
        double var = 0;
        for (float f : v) {
            var += (f - mean) * (f - mean);
        }
        double sd = Math.sqrt(var / v.length);
        assertEquals(MU, mean, 0.02, what + ": mean");
        assertEquals(sd0, sd, tolerance, what + ": standard deviation");
    }

    @Test
    void everySigmaSchedulerSamplesTheGaussianCaseOfAnEdmProcess() {
        for (String prediction : List.of("epsilon", "v_prediction")) {
            SchedulerConfig edm = parse("{\"_class_name\": \"EDMEulerScheduler\", \"prediction_type\": \"" + prediction + "\"}");
            Denoiser net = gaussian(EdmPreconditioning.of(edm));
            for (SchedulerClass kind : SchedulerClass.values()) {
                if (kind == SchedulerClass.CONSISTENCY) { // consistency models' own
                    continue;
                }
                SchedulerConfig c;
                try {
                    c = edm.with(kind);
                    Samplers.of(c, 30);
                } catch (IllegalArgumentException e) { // the loops of the training steps of a β process
                    assertTrue(List.of(SchedulerClass.DDPM, SchedulerClass.DDIM, SchedulerClass.PNDM).contains(kind), kind + ": " + e.getMessage());
                    assertTrue(e.getMessage().contains("EDM"), e.getMessage());
                    continue;
                }
                // first-order steps on Karras' grid need many steps: Euler ancestral's standard deviation is 0.471 at 100
                int steps = kind == SchedulerClass.EULER_ANCESTRAL ? 400 : kind == SchedulerClass.EDM_EULER || kind == SchedulerClass.EULER ? 100 : 30;
                assertGaussian(sample(Samplers.of(c, steps), net, 1), kind.className + " " + prediction, 0.02);
            }
        }
    }

    @Test
    void edmChurnKeepsTheDistributionAndDrawsNoise() { // Algorithm 2: Heun with EDM's ImageNet-64 churn, on EDM and β processes
        SchedulerConfig edm = parse("{\"_class_name\": \"EDMEulerScheduler\"}");
        Denoiser net = gaussian(EdmPreconditioning.of(edm));
        SchedulerConfig heun = edm.with(SchedulerClass.HEUN);
        SchedulerConfig churn = heun.withSetting("s_churn", 40.0).withSetting("s_tmin", 0.05).withSetting("s_tmax", 50.0)
                .withSetting("s_noise", 1.003);
        float[] plain = sample(Samplers.of(heun, 30), net, 2);
        float[] churned = sample(Samplers.of(churn, 30), net, 2);
        // 30 steps with γ at its cap √2 − 1 widen the samples to 0.5294 (the loop's affine maps and added variances, exactly)
        assertEquals(0.5294415173791207, heunStandardDeviation(30, 40, 0.05, 50, 1.003), 1e-9);
        assertGaussian(churned, "Heun with churn, EDM process", heunStandardDeviation(30, 40, 0.05, 50, 1.003), 0.01);
        assertGaussian(plain, "Heun, EDM process", heunStandardDeviation(30, 0, 0, Double.POSITIVE_INFINITY, 1), 0.01);
        assertGaussian(sample(Samplers.of(churn, 100), net, 5), "Heun with churn, 100 steps", 0.02);
        assertFalse(java.util.Arrays.equals(plain, churned), "churn adds noise");
        assertArrayEquals(churned, sample(Samplers.of(churn, 30), net, 2), "the same seed, the same samples");
        assertGaussian(sample(Samplers.of(edm.withSetting("s_churn", 20.0), 200), net, 3), "EDM Euler with churn",
                standardDeviation(false, 200, 20, 0, Double.POSITIVE_INFINITY, 1), 0.01); // 0.4809
        // a β process (the paper's T = 1000, linear β), ε-prediction, Karras σ's: EDM's sampler for DDPM-trained models
        SchedulerConfig vp = SchedulerConfig.paper().with(SchedulerClass.HEUN).with(ddpm4j.schedule.BetaSchedule.LINEAR, 1000,
                ddpm4j.schedule.VarianceType.FIXED_SMALL, Prediction.EPSILON).withSetting("use_karras_sigmas", true).withSetting("clip_sample", false);
        Denoiser exact = gaussianEpsilon(vp.schedule());
        assertGaussian(sample(Samplers.of(vp.withSetting("s_churn", 40.0).withSetting("s_tmin", 0.05).withSetting("s_tmax", 50.0), 100),
                exact, 4), "Heun with churn, β process", 0.02);
        assertNotEquals(0, Samplers.of(vp.withSetting("s_churn", 40.0), 30).passes());
    }

    @Test
    void edmProcessesAreKeptAndRefusedWhereTheyCannotSample() {
        SchedulerConfig edm = parse("{\"_class_name\": \"EDMDPMSolverMultistepScheduler\", \"sigma_data\": 0.25, \"sigma_max\": 40}");
        assertEquals(0.25, edm.with(SchedulerClass.HEUN).edm().sigmaData()); // another scheduler reads the same process
        assertEquals(40, edm.with(SchedulerClass.UNIPC).with(SchedulerClass.EDM_EULER).edm().sigmaMax());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SchedulerConfig.paper().with(SchedulerClass.EDM_EULER));
        assertTrue(e.getMessage().contains("s_churn"), e.getMessage()); // points a β-process model to EDM's churn instead
        e = assertThrows(IllegalArgumentException.class, () -> Samplers.of(edm.with(SchedulerClass.DDIM), 10));
        assertTrue(e.getMessage().contains("EDM"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Samplers.rePaint(edm, 10, 2, 2, 0));
        assertThrows(IllegalArgumentException.class, () -> parse("{\"_class_name\": \"EDMEulerScheduler\", \"sigma_min\": 0}"));
        SchedulerConfig sample = parse("{\"_class_name\": \"EDMEulerScheduler\", \"prediction_type\": \"sample\"}");
        e = assertThrows(IllegalArgumentException.class, () -> Samplers.of(sample, 3)); // precondition_outputs defines ε and v only
        assertTrue(e.getMessage().contains("sample"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Samplers.of(euler().withSetting("s_churn", -1.0), 3));
        // diffusers' EDM schedulers have no β's: none written, and the text reads back to the same process
        String json = edm.toJson();
        assertFalse(json.contains("beta"), json);
        assertEquals(edm.edm(), parse(json).edm());
    }
}

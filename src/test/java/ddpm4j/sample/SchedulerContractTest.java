package ddpm4j.sample;

import ddpm4j.diffusion.Denoiser;
import ddpm4j.io.ProcessMemory;
import ddpm4j.schedule.NoiseSchedule;
import ddpm4j.schedule.SchedulerClass;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.torch.Natives;
import ddpm4j.torch.Tensors;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every scheduler {@link Samplers#of} builds must do, in the shape of diffusers'
 * SchedulerCommonTest: its timesteps for a step count, determinism, batch-size independence where it
 * is deterministic, flat memory over a long run, and, against a closed form, the right answer for
 * every prediction type: with data x₀ ~ N(μ, s²) per pixel the best network is known exactly,
 * E[ε | x_t] = σ_t (x_t − α_t μ)/(α_t² s² + σ_t²), and the probability-flow ODE from x at σ_start ends at
 * μ + (x/α − μ)·s/√(s² + σ_start²); the stochastic samplers must give N(μ, s²) instead.
 */
class SchedulerContractTest {
    /** The schedulers of a process of β's (EdmSamplersTest covers the EDM ones). */
    static final java.util.List<SchedulerClass> BETA_SCHEDULERS = java.util.Arrays.stream(SchedulerClass.values()).filter(SchedulerClass::hasBetas).toList();

    private static final double MU = 0.2;
    private static final double S2 = 0.09;
    private static final List<String> PREDICTIONS = List.of("epsilon", "sample", "v_prediction");

    @BeforeAll
    static void natives() {
        Natives.load();
    }

    static SchedulerConfig config(SchedulerClass kind, String prediction) {
        // trailing spacing puts 100 steps of T = 1000 on whole timesteps for every scheduler
        return SchedulerConfig.paper().with(kind).with(ddpm4j.schedule.BetaSchedule.LINEAR, 1000, ddpm4j.schedule.VarianceType.FIXED_SMALL, ddpm4j.schedule.Prediction.fromConfig(prediction))
                .withSetting("clip_sample", false).withSetting("timestep_spacing", "trailing");
    }

    /** The exact network for Gaussian data, for {@code prediction}, at integer timesteps of {@code schedule}. */
    static Denoiser gaussian(NoiseSchedule schedule, String prediction) {
        return (xt, t) -> {
            double ab = schedule.alphaBar((int) Tensors.toFloats(t)[0]);
            double a = Math.sqrt(ab);
            double st = Math.sqrt(1 - ab);
            Tensor eps = xt.sub(new Scalar(a * MU)).mul(new Scalar(st / (ab * S2 + 1 - ab)));
            Tensor x0 = xt.sub(eps.mul(new Scalar(st))).div(new Scalar(a));
            return switch (prediction) {
                case "epsilon" -> eps;
                case "sample" -> x0;
                default -> eps.mul(new Scalar(a)).sub(x0.mul(new Scalar(st)));
            };
        };
    }

    private static boolean stochastic(SchedulerClass kind) {
        return kind == SchedulerClass.DDPM || kind == SchedulerClass.EULER_ANCESTRAL;
    }

    private static int steps(SchedulerClass kind) {
        return kind == SchedulerClass.DDPM ? 1000 : 100;
    }

    @Test
    void everySchedulerSolvesTheGaussianCaseForEveryPrediction() {
        for (SchedulerClass kind : BETA_SCHEDULERS) {
            for (String prediction : PREDICTIONS) {
                try (PointerScope scope = new PointerScope()) {
                    SchedulerConfig c = config(kind, prediction);
                    TracedSampler sampler = Samplers.of(c, steps(kind));
                    Denoiser net = gaussian(c.schedule(), prediction);
                    String name = kind.className + " " + prediction;
                    if (stochastic(kind)) {
                        NoiseSource noise = new NoiseSource(3, 0, 64, 1, 8, 8);
                        Tensor out = sampler.sample(net, noise.next(), noise, StepListener.NONE);
                        assertEquals(MU, out.mean().item_double(), 0.03, name + " mean");
                        assertEquals(Math.sqrt(S2), out.std().item_double(), 0.03, name + " std");
                    } else {
                        double error = flowError(c, sampler, net);
                        double bound = flowBound(kind);
                        assertTrue(error < bound, name + ": " + error + " from the exact flow");
                    }
                }
            }
        }
    }

    /** How far from the exact flow each scheduler may end after 100 steps. */
    private static double flowBound(SchedulerClass kind) {
        // 100 steps, measured: first order 0.039, singlestep 0.018, Heun 0.0076, DEIS 0.0070 (it stops at σ_min),
        // UniPC 0.0036, DPM-Solver++ 2M 0.00087, LMS 0.00013
        return switch (kind) {
            case DDIM, EULER -> 0.08;
            case DPM_SOLVER_SINGLESTEP -> 0.04;
            case DEIS -> 0.015;
            case UNIPC -> 0.008;
            case PNDM -> 0.03; // x0 and v turned into ε at the RK step's start, as diffusers does for v: 0.0037 and 0.015 (ε: 0.0005)
            case HEUN -> 0.02;
            default -> 0.004;
        };
    }

    /**
     * Starting half way: Gaussian data noised by {@link TracedSampler#addNoise} to the loop's middle
     * position and sampled from there ends where the exact flow from that x_t ends (the stochastic samplers:
     * at the data distribution again); a position the loop cannot start at is refused.
     */
    @Test
    void everySchedulerStartsPartWayFromNoisedData() {
        for (SchedulerClass kind : BETA_SCHEDULERS) {
            try (PointerScope scope = new PointerScope()) {
                SchedulerConfig c = config(kind, "epsilon");
                TracedSampler sampler = Samplers.of(c, steps(kind));
                Denoiser net = gaussian(c.schedule(), "epsilon");
                int start = sampler.passes() / 2 / 2 * 2; // a step's first pass for Heun
                NoiseSource draws = new NoiseSource(7, 0, 64, 1, 8, 8);
                Tensor data = draws.next().mul(new Scalar(Math.sqrt(S2))).add(new Scalar(MU));
                Tensor x = sampler.addNoise(data, draws.next(), start);
                Tensor out = sampler.sample(net, x, start, draws, StepListener.NONE, Trajectory.NONE);
                if (stochastic(kind)) {
                    assertEquals(MU, out.mean().item_double(), 0.03, kind.className + " mean");
                    assertEquals(Math.sqrt(S2), out.std().item_double(), 0.03, kind.className + " std");
                } else {
                    double ab = c.schedule().alphaBar(sampler.timesteps()[start]);
                    double sigma = Math.sqrt((1 - ab) / ab);
                    Tensor startVe = kdiffusion(kind) ? x : x.div(new Scalar(Math.sqrt(ab)));
                    Tensor exact = startVe.sub(new Scalar(MU)).mul(new Scalar(Math.sqrt(S2) / Math.sqrt(S2 + sigma * sigma)))
                            .add(new Scalar(MU));
                    double error = out.sub(exact).abs().max().item_double();
                    assertTrue(error < flowBound(kind), kind.className + ": " + error + " from the exact flow from step " + start);
                }
                assertThrows(IllegalArgumentException.class, () -> sampler.addNoise(data, data, sampler.passes()), kind.className);
                assertThrows(IllegalArgumentException.class, () -> sampler.addNoise(data, data, -1), kind.className);
            }
        }
        TracedSampler heun = Samplers.of(config(SchedulerClass.HEUN, "epsilon"), 10);
        assertThrows(IllegalArgumentException.class, () -> heun.addNoise(Tensors.fromFloats(new float[] {0}, 1), Tensors.fromFloats(new float[] {0}, 1), 3));
        TracedSampler pndm = Samplers.of(config(SchedulerClass.PNDM, "epsilon"), 10);
        assertThrows(IllegalArgumentException.class, () -> pndm.addNoise(Tensors.fromFloats(new float[] {0}, 1), Tensors.fromFloats(new float[] {0}, 1), 5));
    }

    private static boolean kdiffusion(SchedulerClass kind) {
        return kind == SchedulerClass.EULER || kind == SchedulerClass.HEUN || kind == SchedulerClass.LMS
                || kind == SchedulerClass.EULER_ANCESTRAL;
    }

    /** max |sample − exact probability-flow solution| from the same x_T. */
    private static double flowError(SchedulerConfig c, TracedSampler sampler, Denoiser net) {
        NoiseSource noise = new NoiseSource(5, 0, 4, 1, 8, 8);
        Tensor xT = noise.next();
        Tensor out = sampler.sample(net, xT, noise, StepListener.NONE);
        int first = sampler.timesteps()[0];
        double ab = c.schedule().alphaBar(first);
        double sigma = Math.sqrt((1 - ab) / ab);
        // the σ samplers start from x_T·σ_max in x/α form; DDIM and DPM-Solver take x_T as x at their first step
        Tensor startVe = kdiffusion(c.scheduler()) ? xT.mul(new Scalar(sigma)) : xT.div(new Scalar(Math.sqrt(ab)));
        Tensor exact = startVe.sub(new Scalar(MU)).mul(new Scalar(Math.sqrt(S2) / Math.sqrt(S2 + sigma * sigma))).add(new Scalar(MU));
        return out.sub(exact).abs().max().item_double();
    }

    @Test
    void timestepsDescendWithinTheTrainingSteps() {
        for (SchedulerClass kind : BETA_SCHEDULERS) {
            for (int s : new int[] {kind == SchedulerClass.PNDM ? 4 : 1, 5, 20}) {
                TracedSampler sampler = Samplers.of(config(kind, "epsilon"), s);
                int[] ts = sampler.timesteps();
                assertEquals(sampler.passes(), ts.length, kind.className);
                int passes = switch (kind) {
                    case HEUN -> 2 * s - 1;
                    case PNDM -> s + 9; // 12 Runge-Kutta passes for the first 3 steps
                    default -> s;
                };
                assertEquals(passes, ts.length, kind.className + " passes for " + s + " steps");
                for (int i = 0; i < ts.length; i++) {
                    assertTrue(ts[i] >= 0 && ts[i] < 1000, kind.className + " " + ts[i]);
                    assertTrue(i == 0 || ts[i] <= ts[i - 1], kind.className + " descends");
                }
            }
            assertThrows(IllegalArgumentException.class, () -> Samplers.of(config(kind, "epsilon"), 0));
            assertThrows(IllegalArgumentException.class, () -> Samplers.of(config(kind, "epsilon"), 1001));
        }
    }

    @Test
    void samplesAreDeterministicAndDeterministicOnesDoNotDependOnTheBatch() {
        for (SchedulerClass kind : BETA_SCHEDULERS) {
            try (PointerScope scope = new PointerScope()) {
                SchedulerConfig c = config(kind, "epsilon");
                TracedSampler sampler = Samplers.of(c, 8);
                Denoiser net = gaussian(c.schedule(), "epsilon");
                float[] once = run(sampler, net, 0, 4);
                assertArrayEquals(once, run(sampler, net, 0, 4), kind.className + " repeats");
                float[] firstTwo = run(sampler, net, 0, 2);
                float[] lastTwo = run(sampler, net, 2, 2);
                float[] split = new float[once.length];
                System.arraycopy(firstTwo, 0, split, 0, firstTwo.length);
                System.arraycopy(lastTwo, 0, split, firstTwo.length, lastTwo.length);
                // per-image noise streams make even the stochastic samplers batch-independent
                assertArrayEquals(once, split, 1e-5f, kind.className + " split into batches");
            }
        }
    }

    @Test
    void onlyRePaintKeepsAKnownRegionAndNoneIsPlainSampling() {
        for (SchedulerClass kind : BETA_SCHEDULERS) {
            try (PointerScope scope = new PointerScope()) {
                SchedulerConfig c = config(kind, "epsilon");
                TracedSampler sampler = Samplers.of(c, 8);
                Denoiser net = gaussian(c.schedule(), "epsilon");
                NoiseSource noise = new NoiseSource(9, 0, 2, 1, 4, 4);
                float[] none = Tensors.toFloats(sampler.sample(net, noise.next(), KnownRegion.NONE, noise, StepListener.NONE, Trajectory.NONE));
                assertArrayEquals(run(sampler, net, 0, 2), none, kind.className + " with nothing known");
                Tensor x = new NoiseSource(1, 0, 2, 1, 4, 4).next();
                KnownRegion region = new KnownRegion(x, x.gt(new Scalar(0)).to(org.bytedeco.pytorch.global.torch.ScalarType.Float));
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> sampler.sample(net, x, region, noise, StepListener.NONE, Trajectory.NONE));
                assertTrue(e.getMessage().contains("RePaint"), e.getMessage());
            }
        }
    }

    private static float[] run(TracedSampler sampler, Denoiser net, int first, int count) {
        NoiseSource noise = new NoiseSource(9, first, count, 1, 4, 4);
        return Tensors.toFloats(sampler.sample(net, noise.next(), noise, StepListener.NONE));
    }

    @Test
    void memoryStaysFlatOverLongRuns() {
        Denoiser net = (x, t) -> x.mul(new Scalar(0.5));
        for (SchedulerClass kind : BETA_SCHEDULERS) {
            TracedSampler sampler = Samplers.of(config(kind, "epsilon"), 300);
            double rss = 0;
            long objects = 0;
            for (int round = 0; round < 8; round++) { // the allocator's arenas settle over the first runs
                try (PointerScope scope = new PointerScope()) {
                    NoiseSource noise = new NoiseSource(1, 0, 32, 3, 32, 32);
                    sampler.sample(net, noise.next(), noise, StepListener.NONE);
                }
                if (round == 3) {
                    rss = ProcessMemory.residentMb().orElse(0);
                    objects = Pointer.totalCount();
                }
            }
            // no tensor of a step outlives it...
            assertEquals(objects, Pointer.totalCount(), 16, kind.className + ": native objects left behind");
            // ...nor its memory: one tensor kept per step would be 300 × 393 kB = 118 MB per run, 472 MB over the four measured
            double growth = ProcessMemory.residentMb().orElse(0) - rss;
            assertTrue(growth < 200, kind.className + ": resident memory grew " + growth + " MB over four runs of 300 steps");
        }
    }

    @Test
    void unsupportedValuesAndMeanPredictionAreRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SchedulerConfig.parse("{\"_class_name\": \"DPMSolverMultistepScheduler\", \"use_exponential_sigmas\": true}"));
        assertTrue(e.getMessage().contains("use_exponential_sigmas"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SchedulerConfig.parse("{\"_class_name\": \"FlowMatchScheduler\"}"));
        assertTrue(e.getMessage().contains("FlowMatchScheduler"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SchedulerConfig.parse("{\"no_such_key\": 1}"));
        assertTrue(e.getMessage().contains("no_such_key"), e.getMessage());
        // a key of another scheduler is accepted and left to it, as diffusers' _compatibles
        SchedulerConfig ddpm = SchedulerConfig.parse("{\"_class_name\": \"DDPMScheduler\", \"solver_order\": 3}");
        assertEquals(3, ddpm.with(ddpm4j.schedule.SchedulerClass.DPM_SOLVER_MULTISTEP).integer("solver_order"));
        e = assertThrows(IllegalArgumentException.class, () -> ddpm.with(ddpm4j.schedule.SchedulerClass.DPM_SOLVER_MULTISTEP)
                .withSetting("solver_order", 4));
        assertTrue(e.getMessage().contains("solver_order"), e.getMessage());
        for (SchedulerClass kind : List.of(SchedulerClass.DPM_SOLVER_MULTISTEP, SchedulerClass.EULER, SchedulerClass.HEUN)) {
            e = assertThrows(IllegalArgumentException.class, () -> Samplers.of(config(kind, "mean"), 10));
            assertTrue(e.getMessage().contains("mean"), e.getMessage());
        }
        e = assertThrows(IllegalArgumentException.class, () -> Samplers.of(config(SchedulerClass.DPM_SOLVER_MULTISTEP, "epsilon")
                .withSetting("algorithm_type", "dpmsolver"), 10));
        assertTrue(e.getMessage().contains("final_sigmas_type"), e.getMessage());
    }

    @Test
    void configurationsRoundTripThroughJson() {
        SchedulerConfig c = config(SchedulerClass.DPM_SOLVER_MULTISTEP, "v_prediction").withSetting("solver_order", 3)
                .withSetting("lambda_min_clipped", Double.NEGATIVE_INFINITY).withSetting("use_karras_sigmas", true);
        SchedulerConfig back = SchedulerConfig.parse(c.toJson());
        assertEquals(c.className(), back.className());
        assertEquals(c.settings(), back.settings());
        assertEquals(c.prediction(), back.prediction());
        assertTrue(c.toJson().contains("-Infinity"), "diffusers' spelling of -inf");
    }
}

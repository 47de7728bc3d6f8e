package ddpm4j.schedule;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The diffusers schedulers this project runs, by {@code _class_name}, each with the keys of its
 * {@code scheduler_config.json} beyond the process (T, β, prediction and variance type), diffusers'
 * defaults and the values honoured here. Keys of another scheduler in this list are accepted and
 * left to that scheduler, as diffusers' {@code _compatibles} are.
 */
public enum SchedulerClass {
    /** Algorithm 2 (ancestral sampling), on all or a respaced subset of the steps. */
    DDPM("DDPMScheduler", "ddpm", clip(true), key(SchedulerKey.number("clip_sample_range", 1.0)), thresholding(), spacing("leading"), offset(),
            zeroSnr()),
    /** DDIM (Song et al. 2021); {@code eta} is ddpm4j's key for the step's noise scale (diffusers passes it to step()). */
    DDIM("DDIMScheduler", "ddim", clip(true), key(SchedulerKey.number("clip_sample_range", 1.0)), thresholding(), spacing("leading"), offset(),
            zeroSnr(), key(SchedulerKey.bool("set_alpha_to_one", true)), key(SchedulerKey.number("eta", 0.0)), inferenceSteps()),
    /** PNDM (Liu et al. 2022): Runge-Kutta warm-up, then linear multistep on ε̂. */
    PNDM("PNDMScheduler", "pndm", spacing("leading"), offset(), key(SchedulerKey.bool("skip_prk_steps", false)),
            key(SchedulerKey.bool("set_alpha_to_one", false))),
    /** DPM-Solver and DPM-Solver++ multistep (Lu et al. 2022). */
    DPM_SOLVER_MULTISTEP("DPMSolverMultistepScheduler", "dpmsolver", thresholding(), spacing("linspace"), offset(), zeroSnr(),
            order(), key(SchedulerKey.text("algorithm_type", "dpmsolver++", "dpmsolver++", "dpmsolver", "sde-dpmsolver++", "sde-dpmsolver",
                    "deis")),
            key(SchedulerKey.text("solver_type", "midpoint", "midpoint", "heun", "logrho", "bh1", "bh2")),
            key(SchedulerKey.bool("lower_order_final", true)), key(SchedulerKey.bool("euler_at_final", false)),
            karras(), otherSigmasOff(), key(SchedulerKey.bool("use_lu_lambdas", false)), finalSigmas(), lambdaMin(), shifting()),
    /** DPM-Solver singlestep: blocks of 1–3 steps, each restarted from its first sample. */
    DPM_SOLVER_SINGLESTEP("DPMSolverSinglestepScheduler", "dpmsolver-singlestep", thresholding(), order(),
            key(SchedulerKey.text("algorithm_type", "dpmsolver++", "dpmsolver++", "dpmsolver", "sde-dpmsolver++", "deis")),
            key(SchedulerKey.text("solver_type", "midpoint", "midpoint", "heun", "logrho", "bh1", "bh2")),
            key(SchedulerKey.bool("lower_order_final", false)), karras(), otherSigmasOff(), finalSigmas(), lambdaMin(), shifting()),
    /** UniPC (Zhao et al. 2023): multistep predictor and corrector. */
    UNIPC("UniPCMultistepScheduler", "unipc", thresholding(), spacing("linspace"), offset(), zeroSnr(), order(),
            key(SchedulerKey.bool("predict_x0", true)),
            key(SchedulerKey.text("solver_type", "bh2", "bh1", "bh2", "midpoint", "heun", "logrho")),
            key(SchedulerKey.bool("lower_order_final", true)), key(SchedulerKey.integers("disable_corrector")),
            key(SchedulerKey.nullOnly("solver_p")), karras(), otherSigmasOff(), finalSigmas(), shifting(),
            key(SchedulerKey.nullOnly("sigma_min")), key(SchedulerKey.nullOnly("sigma_max")), key(SchedulerKey.nullOnly("shift_terminal"))),
    /** DEIS (Zhang & Chen 2023): exponential integrator with log-ρ polynomial extrapolation of ε̂. */
    DEIS("DEISMultistepScheduler", "deis", thresholding(), spacing("linspace"), offset(), order(),
            key(SchedulerKey.text("algorithm_type", "deis", "deis", "dpmsolver", "dpmsolver++")),
            key(SchedulerKey.text("solver_type", "logrho", "logrho", "midpoint", "heun", "bh1", "bh2")),
            key(SchedulerKey.bool("lower_order_final", true)), karras(), otherSigmasOff(), shifting()),
    /** Euler's method on the probability-flow ODE in σ (Karras et al. 2022, Algorithm 1 without churn). */
    EULER("EulerDiscreteScheduler", "euler", spacing("linspace"), offset(), zeroSnr(), karras(),
            key(SchedulerKey.text("interpolation_type", "linear", "linear")), key(SchedulerKey.optionalNumber("sigma_min")),
            key(SchedulerKey.optionalNumber("sigma_max")), key(SchedulerKey.text("timestep_type", "discrete", "discrete")),
            key(SchedulerKey.text("final_sigmas_type", "zero", "zero", "sigma_min")), churn()),
    /** Euler with ancestral noise (k-diffusion's sample_euler_ancestral). */
    EULER_ANCESTRAL("EulerAncestralDiscreteScheduler", "euler-ancestral", spacing("linspace"), offset(), zeroSnr()),
    /** Heun's second-order method in σ (Karras et al. 2022, Algorithm 1): two network passes per step but the last. */
    HEUN("HeunDiscreteScheduler", "heun", clip(false), key(SchedulerKey.number("clip_sample_range", 1.0)), spacing("linspace"), offset(),
            karras(), churn()),
    /** Linear multistep in σ (k-diffusion's sample_lms). */
    LMS("LMSDiscreteScheduler", "lms", spacing("linspace"), offset(), karras()),
    /** Euler's method on EDM's ODE (Karras et al. 2022) for networks trained with EDM's preconditioning; with churn, Algorithm 2's noise. */
    EDM_EULER("EDMEulerScheduler", "edm-euler", edmProcess(), key(SchedulerKey.text("final_sigmas_type", "zero", "zero", "sigma_min")), churn()),
    /** DPM-Solver++ multistep on EDM's σ grid for networks trained with EDM's preconditioning. */
    EDM_DPM_SOLVER_MULTISTEP("EDMDPMSolverMultistepScheduler", "edm-dpmsolver", edmProcess(), thresholding(), order(),
            key(SchedulerKey.text("algorithm_type", "dpmsolver++", "dpmsolver++", "sde-dpmsolver++", "deis")),
            key(SchedulerKey.text("solver_type", "midpoint", "midpoint", "heun", "logrho", "bh1", "bh2")),
            key(SchedulerKey.bool("lower_order_final", true)), key(SchedulerKey.bool("euler_at_final", false)), finalSigmas()),
    /**
     * Consistency models' multistep sampling (Song et al. 2023, Algorithm 1): a consistency function x̂₀ = f(x, σ) on a
     * Karras grid of {@code num_train_timesteps} σ's, noised again between steps; one step by default.
     */
    CONSISTENCY("CMStochasticIterativeScheduler", "consistency", key(SchedulerKey.number("sigma_min", 0.002)),
            key(SchedulerKey.number("sigma_max", 80.0)), key(SchedulerKey.number("sigma_data", 0.5)),
            key(SchedulerKey.number("s_noise", 1.0)), key(SchedulerKey.number("rho", 7.0)), key(SchedulerKey.bool("clip_denoised", true)));

    /** diffusers' class name, the {@code _class_name} of scheduler_config.json. */
    public final String className;
    /** A short name for command lines. */
    public final String alias;
    private final Map<String, SchedulerKey> keys = new LinkedHashMap<>();

    @SafeVarargs
    SchedulerClass(String className, String alias, List<SchedulerKey>... groups) {
        this.className = className;
        this.alias = alias;
        for (List<SchedulerKey> g : groups) {
            for (SchedulerKey k : g) {
                keys.put(k.name(), k);
            }
        }
    }

    /** Whether it is one of diffusers' EDM schedulers: σ's of an EDM process, the network preconditioned as EDM's. */
    public boolean edm() {
        return this == EDM_EULER || this == EDM_DPM_SOLVER_MULTISTEP;
    }

    /** diffusers' default {@code num_train_timesteps}: 40 for consistency models' scheduler, 1000 for the others. */
    public int defaultTrainTimesteps() {
        return this == CONSISTENCY ? 40 : 1000;
    }

    /** Whether the scheduler's process has β's (beta_start, beta_schedule, variance_type in its configuration). */
    public boolean hasBetas() {
        return !edm() && this != CONSISTENCY;
    }

    /** This scheduler's key {@code name}, or null when it has none by that name. */
    public SchedulerKey key(String name) {
        return keys.get(name);
    }

    public static SchedulerClass of(String className) {
        for (SchedulerClass c : values()) {
            if (c.className.equals(className)) {
                return c;
            }
        }
        throw new IllegalArgumentException("'_class_name' is '" + className + "'; supported schedulers: " + String.join(", ", names()));
    }

    /**
     * The scheduler called {@code name}: a class name, its alias, or "ancestral" (Algorithm 2, the
     * DDPM scheduler's loop), case-insensitive.
     */
    public static SchedulerClass lookup(String name) {
        for (SchedulerClass c : values()) {
            if (c.className.equalsIgnoreCase(name) || c.alias.equalsIgnoreCase(name)) {
                return c;
            }
        }
        if (name.equalsIgnoreCase("ancestral")) {
            return DDPM;
        }
        List<String> known = new ArrayList<>();
        for (SchedulerClass c : values()) {
            known.add(c.alias + " (" + c.className + ")");
        }
        throw new IllegalArgumentException("unknown scheduler '" + name + "'; known: " + String.join(", ", known));
    }

    public static List<String> names() {
        List<String> out = new ArrayList<>();
        for (SchedulerClass c : values()) {
            out.add(c.className);
        }
        return out;
    }

    /** The key {@code name} as the first scheduler that has it declares it, or null when none does. */
    static SchedulerKey anyKey(String name) {
        for (SchedulerClass c : values()) {
            if (c.keys.containsKey(name)) {
                return c.keys.get(name);
            }
        }
        return null;
    }

    /**
     * The steps a model is drawn with when none are asked for, where its training chose them (a distilled student: its
     * pass count); 0: the scheduler's own default. A metadata key ('_'), which diffusers passes over.
     */
    private static List<SchedulerKey> inferenceSteps() {
        return List.of(SchedulerKey.integer(SchedulerConfig.INFERENCE_STEPS, 0));
    }

    private static List<SchedulerKey> key(SchedulerKey k) {
        return List.of(k);
    }

    private static List<SchedulerKey> clip(boolean fallback) {
        return List.of(SchedulerKey.bool("clip_sample", fallback));
    }

    /** Dynamic thresholding (Saharia et al. 2022): x̂₀ clipped to the ratio-quantile of |x̂₀|, at least 1, at most the maximum. */
    private static List<SchedulerKey> thresholding() {
        return List.of(SchedulerKey.bool("thresholding", false), SchedulerKey.number("dynamic_thresholding_ratio", 0.995),
                SchedulerKey.number("sample_max_value", 1.0));
    }

    private static List<SchedulerKey> spacing(String fallback) {
        return List.of(SchedulerKey.text("timestep_spacing", fallback, "leading", "trailing", "linspace"));
    }

    private static List<SchedulerKey> offset() {
        return List.of(SchedulerKey.integer("steps_offset", 0));
    }

    private static List<SchedulerKey> zeroSnr() {
        return List.of(SchedulerKey.off("rescale_betas_zero_snr"));
    }

    private static List<SchedulerKey> order() {
        return List.of(SchedulerKey.integer("solver_order", 2, 1, 2, 3));
    }

    /** The σ schedules other than Karras', and flow matching's, honoured only when off. */
    private static List<SchedulerKey> otherSigmasOff() {
        return List.of(SchedulerKey.off("use_exponential_sigmas"), SchedulerKey.off("use_beta_sigmas"), SchedulerKey.off("use_flow_sigmas"),
                SchedulerKey.number("flow_shift", 1.0));
    }

    private static List<SchedulerKey> shifting() {
        return List.of(SchedulerKey.off("use_dynamic_shifting"), SchedulerKey.text("time_shift_type", "exponential"));
    }

    private static List<SchedulerKey> finalSigmas() {
        return List.of(SchedulerKey.text("final_sigmas_type", "zero", "zero", "sigma_min"));
    }

    private static List<SchedulerKey> lambdaMin() {
        return List.of(SchedulerKey.number("lambda_min_clipped", Double.NEGATIVE_INFINITY));
    }

    /**
     * The EDM process: σ from {@code sigma_min} to {@code sigma_max}, spread as {@code sigma_schedule} says with ρ, and the
     * data's standard deviation {@code sigma_data} that the preconditioning assumes.
     */
    static List<String> edmProcessKeys() {
        return edmProcess().stream().map(SchedulerKey::name).toList();
    }

    private static List<SchedulerKey> edmProcess() {
        return List.of(SchedulerKey.number("sigma_min", 0.002), SchedulerKey.number("sigma_max", 80.0), SchedulerKey.number("sigma_data", 0.5),
                SchedulerKey.text("sigma_schedule", "karras", "karras", "exponential"), SchedulerKey.number("rho", 7.0));
    }

    /**
     * EDM's stochastic sampling (Karras et al. 2022, Algorithm 2), ddpm4j's keys as {@code eta} is DDIM's (diffusers
     * passes them to {@code step}): at each step with s_tmin ≤ σ ≤ s_tmax, noise raises σ to σ̂ = σ(1 + γ),
     * γ = min(s_churn/steps, √2 − 1), scaled by s_noise; s_churn 0 is the deterministic sampler.
     */
    private static List<SchedulerKey> churn() {
        return List.of(SchedulerKey.number("s_churn", 0.0), SchedulerKey.number("s_tmin", 0.0),
                SchedulerKey.number("s_tmax", Double.POSITIVE_INFINITY), SchedulerKey.number("s_noise", 1.0));
    }

    private static List<SchedulerKey> karras() {
        return List.of(SchedulerKey.bool("use_karras_sigmas", false));
    }
}

package ddpm4j.sample;

import ddpm4j.diffusion.EdmPreconditioning;
import ddpm4j.schedule.EdmProcess;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.schedule.Spacing;

/**
 * Where a σ-based scheduler's loop goes, as diffusers' {@code set_timesteps} computes it: the timestep of each network
 * pass (descending; fractional for the k-diffusion family), the σ at each and then the final σ, and the σ the starting
 * noise is scaled to. One value for every σ-based sampler, made by one factory per family of diffusers schedulers;
 * the timesteps come from {@link Spacing} and nowhere else.
 *
 * @param timesteps one per step, descending, possibly fractional
 * @param sigmas    one per step, then the final σ (float32 values, as diffusers stores them)
 */
record SigmaSchedule(double[] timesteps, double[] sigmas, double initNoiseSigma) {
    /**
     * EulerDiscreteScheduler, EulerAncestralDiscreteScheduler, HeunDiscreteScheduler and LMSDiscreteScheduler's
     * {@code set_timesteps}: {@link Spacing#fractional} timesteps, σ interpolated there in the training table or
     * Karras' σ's with their fractional timesteps, then the final σ (0, or the table's σ at t = 0); the starting noise
     * is scaled to √(σ_max² + 1) for leading spacing, else σ_max ({@code init_noise_sigma}).
     */
    static SigmaSchedule kDiffusion(SchedulerConfig c, SigmaSpace space, int steps) {
        FinalSigma last = FinalSigma.of(c, FinalSigma.ZERO);
        if (space.edmProcess() != null) {
            EdmProcess p = space.edmProcess();
            return edm(p, steps, last, Math.sqrt(p.sigmaMax() * p.sigmaMax() + 1));
        }
        double[] train = space.trainingSigmas();
        int total = train.length;
        StepSpacing spacing = StepSpacing.of(c);
        double[] ts = spacing.fractional(total, steps);
        double[] sig = new double[steps + 1];
        for (int k = 0; k < steps; k++) {
            sig[k] = SigmaSpace.interp(train, ts[k]);
        }
        if (SigmaSpace.Spread.of(c) == SigmaSpace.Spread.KARRAS) {
            Double min = c.has("sigma_min") ? c.optionalNumber("sigma_min") : null;
            Double max = c.has("sigma_max") ? c.optionalNumber("sigma_max") : null;
            double[] k = SigmaSpace.karras(min != null ? min : sig[steps - 1], max != null ? max : sig[0], steps);
            double[] logSigmas = SigmaSpace.logs(train);
            for (int i = 0; i < steps; i++) {
                sig[i] = k[i];
                ts[i] = SigmaSpace.sigmaToT(k[i], logSigmas);
            }
        }
        for (int k = 0; k < steps; k++) {
            sig[k] = SigmaSpace.f32(sig[k]);
        }
        sig[steps] = last == FinalSigma.SIGMA_MIN ? SigmaSpace.f32(train[0]) : 0;
        double max = 0;
        for (double s : sig) {
            max = Math.max(max, s);
        }
        double init = spacing.spacing() == Spacing.LEADING ? Math.sqrt(max * max + 1) : max;
        return new SigmaSchedule(ts, sig, init);
    }

    /**
     * DPMSolverMultistepScheduler, DPMSolverSinglestepScheduler, UniPCMultistepScheduler and DEISMultistepScheduler's
     * {@code set_timesteps}: {@link Spacing#clipped} integer timesteps (the steps with λ below {@code lambda_min_clipped}
     * cut off), the σ at each (or Karras' or Lu's σ's with their rounded timesteps), then the final σ; these solvers
     * carry x_t = α_t x₀ + σ_t ε, so the starting noise is standard.
     */
    static SigmaSchedule exponentialIntegrator(SigmaSpace space, int steps, SolverOptions o) {
        if (space.edmProcess() != null) {
            return edm(space.edmProcess(), steps, o.finalSigma(), 1.0);
        }
        double[] train = space.trainingSigmas();
        int total = train.length;
        int clipped = 0;
        for (double s : train) {
            if (SigmaSpace.lambda(s) < o.lambdaMinClipped()) {
                clipped++;
            }
        }
        int[] ts = o.spacing().clipped(total, total - clipped, steps);
        double[] sig = SigmaSpace.discreteSigmas(train, ts, o.spread());
        double last = switch (o.finalSigma()) {
            case ZERO -> 0;
            case SIGMA_MIN -> SigmaSpace.f32(train[0]);
            case LAST_REPEATED -> sig[steps - 1];
        };
        double[] timesteps = new double[steps];
        for (int i = 0; i < steps; i++) {
            timesteps[i] = ts[i];
        }
        return new SigmaSchedule(timesteps, SigmaSpace.withFinal(sig, last), 1.0);
    }

    /**
     * EDMEulerScheduler and EDMDPMSolverMultistepScheduler's {@code set_timesteps}: the process's σ's
     * ({@link EdmProcess#sigmas}, in float32), each visited at timestep c_noise(σ) = ln(σ)/4, then the final σ (0 or
     * σ_min); σ-based samplers of the other families take the same grid for an EDM process. {@code init}: the scale of
     * the starting noise in the sampler's form, √(σ_max² + 1) as diffusers' {@code init_noise_sigma} where x is
     * carried as x₀ + σ ε, 1 where it is carried as α x₀ + σ α ε.
     */
    static SigmaSchedule edm(EdmProcess p, int steps, FinalSigma last, double init) {
        double[] k = p.sigmas(steps);
        double[] sig = new double[steps + 1];
        double[] ts = new double[steps];
        for (int i = 0; i < steps; i++) {
            sig[i] = SigmaSpace.f32(k[i]);
            ts[i] = SigmaSpace.f32(EdmPreconditioning.cNoise(sig[i]));
        }
        sig[steps] = switch (last) {
            case ZERO -> 0;
            case SIGMA_MIN -> SigmaSpace.f32(p.sigmaMin());
            case LAST_REPEATED -> sig[steps - 1];
        };
        return new SigmaSchedule(ts, sig, init);
    }

    /** Where a grid's last step goes. */
    enum FinalSigma {
        /** σ = 0: the last step returns x̂₀ ({@code final_sigmas_type} "zero"). */
        ZERO,
        /** The training table's σ at t = 0 ({@code final_sigmas_type} "sigma_min"). */
        SIGMA_MIN,
        /** The last σ again, a final step of h = 0 (UniPC and DEIS with Karras σ's, as diffusers appends them). */
        LAST_REPEATED;

        /** {@code final_sigmas_type} of {@code c}, or {@code absent} where the scheduler has no such key. */
        static FinalSigma of(SchedulerConfig c, FinalSigma absent) {
            return !c.has("final_sigmas_type") ? absent : c.text("final_sigmas_type").equals("zero") ? ZERO : SIGMA_MIN;
        }
    }

    int steps() {
        return timesteps.length;
    }

    /** The visited timesteps rounded to training steps, for display. */
    int[] roundedTimesteps() {
        int[] out = new int[timesteps.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) Math.rint(timesteps[i]);
        }
        return out;
    }
}

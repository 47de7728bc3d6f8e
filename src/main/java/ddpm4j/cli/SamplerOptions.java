package ddpm4j.cli;

import ddpm4j.diffusion.GaussianDiffusion;
import ddpm4j.sample.AncestralSampler;
import ddpm4j.sample.DdimSampler;
import ddpm4j.sample.DpmSolverMultistepSampler;
import ddpm4j.sample.Respaced;
import ddpm4j.sample.TracedSampler;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.schedule.Spacing;
import picocli.CommandLine.Option;

/** The sampler options every command that generates images shares. */
final class SamplerOptions {
    enum Kind { ancestral, ddim, dpmsolver }

    @Option(names = "--sampler", paramLabel = "NAME",
            description = "ancestral (Algorithm 2), ddim, or dpmsolver (DPM-Solver++ 2M, diffusers' DPMSolverMultistepScheduler"
                    + " defaults: order 2, midpoint, lower order at the end, final sigma 0) (default: ${DEFAULT-VALUE}).")
    Kind sampler;

    @Option(names = "--steps", paramLabel = "S",
            description = "Sampling steps: a respaced process of S of the T training steps (default: T for ancestral, 50 or T if"
                    + " smaller for ddim, 20 or T if smaller for dpmsolver).")
    Integer steps;

    @Option(names = "--spacing", paramLabel = "NAME",
            description = "Which steps a shortened process keeps: leading (0, T/S, ...), trailing (..., T-1) or linspace"
                    + " (default: the scheduler's timestep_spacing, else leading; linspace for dpmsolver, as diffusers).")
    String spacing;

    @Option(names = "--eta", paramLabel = "E", description = "DDIM noise scale: 0 deterministic, 1 ancestral-like (default: 0).")
    Double eta;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "K", description = "Random seed; image k's noise depends only on (K, k) (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--batch-size", defaultValue = "16", paramLabel = "B", description = "Images per network call (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--clip", negatable = true, description = "Clip the predicted x0 to [-1,1] at each step (default: the scheduler's clip_sample).")
    Boolean clip;

    /** Options whose sampler is {@code defaultKind} unless --sampler says otherwise. */
    SamplerOptions(Kind defaultKind) {
        this.sampler = defaultKind;
    }

    /** Checks the values that do not depend on the model. */
    void validate() {
        if (batchSize < 1) {
            throw new UserException("--batch-size must be at least 1, got " + batchSize);
        }
        if (sampler != Kind.ddim && eta != null) {
            throw new UserException("--eta applies to --sampler ddim only");
        }
        if (sampler == Kind.dpmsolver && clip != null) {
            throw new UserException("--clip applies to --sampler ancestral and ddim (DPM-Solver++ does not clip x0)");
        }
        if (eta != null && !(eta >= 0 && Double.isFinite(eta))) {
            throw new UserException("--eta must be a non-negative number, got " + eta);
        }
        if (spacing != null) {
            spacing();
        }
    }

    /** The sampler these options describe for a model's process. */
    TracedSampler build(SchedulerConfig sc) {
        GaussianDiffusion diffusion = GaussianDiffusion.of(sc);
        boolean clipping = clip == null ? sc.clipSample() : clip;
        int total = sc.numTrainTimesteps();
        int s = steps != null ? steps : sampler == Kind.ancestral ? total : Math.min(sampler == Kind.ddim ? 50 : 20, total);
        if (s < 1 || s > total) {
            throw new UserException("--steps must be in [1, " + total + "], got " + s);
        }
        if (sampler == Kind.dpmsolver) {
            return new DpmSolverMultistepSampler(diffusion, s, spacing == null ? Spacing.LINSPACE : spacing(), 2,
                    DpmSolverMultistepSampler.SolverType.MIDPOINT, true, DpmSolverMultistepSampler.FinalSigma.ZERO);
        }
        Respaced process;
        try {
            process = Respaced.of(diffusion, s, spacing == null ? Spacing.of(sc.timestepSpacing()) : spacing());
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
        return sampler == Kind.ancestral
                ? new AncestralSampler(process, clipping, sc.clipSampleRange())
                : new DdimSampler(process, eta == null ? 0.0 : eta, clipping, sc.clipSampleRange());
    }

    /** For reports: sampler, steps, spacing, eta and seed. */
    String describe() {
        String count = steps == null && sampler == Kind.ancestral ? "all steps"
                : (steps == null ? sampler == Kind.ddim ? "50" : "20" : steps) + (spacing == null ? "" : " " + spacing) + " steps";
        return sampler + " " + count + (sampler == Kind.ddim && eta != null && eta > 0 ? ", eta " + eta : "") + ", seed " + seed;
    }

    Spacing spacing() {
        try {
            return Spacing.of(spacing);
        } catch (IllegalArgumentException e) {
            throw new UserException("--spacing: " + e.getMessage());
        }
    }
}

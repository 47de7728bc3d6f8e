package ddpm4j.train;

/**
 * How to train (Ho et al. 2020, appendix B, for the defaults): everything but the architecture and
 * the diffusion process, which live in config.json and scheduler_config.json.
 *
 * @param objective       simple, vlb, mean_mse or hybrid
 * @param minSnrGamma     γ of min-SNR-γ weighting, or null
 * @param lossAware       importance-sample timesteps by their loss (Improved DDPM)
 * @param lr              Adam learning rate after warm-up
 * @param beta1           Adam β₁
 * @param beta2           Adam β₂
 * @param eps             Adam ε
 * @param warmup          linear warm-up steps
 * @param lrDecay         the last steps over which the learning rate falls linearly to zero (0: none)
 * @param gradClip        global gradient-norm clip (≤ 0: none)
 * @param emaDecay        EMA decay
 * @param emaWarmup       use min(decay, (1+n)/(10+n)) so short runs have a useful EMA
 * @param batchSize       images per step
 * @param steps           total optimizer steps
 * @param seed            seed of every random choice
 * @param hflip           random horizontal flips
 * @param checkpointEvery steps between checkpoints (also at the end)
 * @param sampleEvery     steps between sample grids (≤ 0: only at the end)
 * @param sampleCount     images per sample grid
 * @param sampleSteps     DDIM steps for sample grids
 * @param logEvery        steps between metrics lines
 * @param labelDropout    for a class-conditional network: the probability that an image's label is
 *                        replaced by the "no class" label, which classifier-free guidance needs
 */
public record TrainSettings(
        String objective,
        Double minSnrGamma,
        boolean lossAware,
        double lr,
        double beta1,
        double beta2,
        double eps,
        long warmup,
        long lrDecay,
        double gradClip,
        double emaDecay,
        boolean emaWarmup,
        int batchSize,
        long steps,
        long seed,
        boolean hflip,
        long checkpointEvery,
        long sampleEvery,
        int sampleCount,
        int sampleSteps,
        long logEvery,
        double labelDropout) {

    public TrainSettings {
        ddpm4j.diffusion.LossType.fromName(objective);
        require(lr > 0 && Double.isFinite(lr), "learning rate must be positive");
        require(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "Adam betas must be in [0, 1)");
        require(eps > 0, "Adam eps must be positive");
        require(warmup >= 0, "warm-up must be non-negative");
        require(lrDecay >= 0, "learning-rate decay steps must be non-negative");
        require(emaDecay >= 0 && emaDecay < 1, "EMA decay must be in [0, 1)");
        require(batchSize >= 1, "batch size must be at least 1");
        require(steps >= 1, "steps must be at least 1");
        require(checkpointEvery >= 1, "checkpoint interval must be at least 1");
        require(sampleCount >= 1 && sampleSteps >= 1, "sample count and steps must be at least 1");
        require(logEvery >= 1, "log interval must be at least 1");
        require(minSnrGamma == null || minSnrGamma > 0, "min-SNR gamma must be positive");
        require(labelDropout >= 0 && labelDropout < 1, "label dropout must be in [0, 1)");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** What {@code --resume} may change in a run's saved settings; a null keeps the saved value. */
    public record Changes(Long steps, Long lrDecay, Boolean hflip) {
        public static final Changes NONE = new Changes(null, null, null);

        public TrainSettings applyTo(TrainSettings s) {
            return new TrainSettings(s.objective, s.minSnrGamma, s.lossAware, s.lr, s.beta1, s.beta2, s.eps, s.warmup,
                    lrDecay == null ? s.lrDecay : lrDecay, s.gradClip, s.emaDecay, s.emaWarmup, s.batchSize,
                    steps == null ? s.steps : steps, s.seed, hflip == null ? s.hflip : hflip, s.checkpointEvery, s.sampleEvery, s.sampleCount,
                    s.sampleSteps, s.logEvery, s.labelDropout);
        }
    }

    /** The learning rate of the n-th update (1-based). */
    public double lrAt(long n) {
        return LearningRate.at(lr, warmup, lrDecay, steps, n);
    }

    /** The paper's recipe: L_simple, Adam 2e-4, warm-up 5000, clip 1, EMA 0.9999, flips, batch 128. */
    public static TrainSettings paper(long steps) {
        return new TrainSettings("simple", null, false, 2e-4, 0.9, 0.999, 1e-8, 5000, 0, 1.0, 0.9999, false, 128, steps,
                0, true, 5000, 0, 16, 50, 100, 0.1);
    }
}

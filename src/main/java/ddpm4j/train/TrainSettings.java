package ddpm4j.train;

import ddpm4j.io.ModelDirectory;
import ddpm4j.torch.Precision;
import ddpm4j.torch.PrecisionRule;

/**
 * How to train (Ho et al. 2020, appendix B, for the defaults): everything but the architecture and
 * the diffusion process, which live in config.json and scheduler_config.json.
 *
 * @param objective       simple, vlb, mean_mse, hybrid ({@link Objective}), edm, or progressive-distillation (a stage of
 *                        {@code ddpm4j distill})
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
 * @param microBatches    the parts each step's batch (each rank's share of it) is cut into, their gradients
 *                        accumulated before the update: less memory, the same step
 * @param tensorboard     also write the metrics and sample grids as TensorBoard event files ({@code logs/})
 * @param layout          how the model directory's files are arranged: flat, or diffusers' pipeline
 * @param evalEvery       steps between evaluations of the EMA weights' FID (0: none)
 * @param evalImages      images sampled for each evaluation (the same seeded ones every time)
 * @param evalFeatures    the feature network of the evaluations: judge[:DIR] (a judge made by 'eval judge', by default the
 *                        built-in fashion-mnist one, for 28×28 gray data) or inception[:FILE] (pytorch-fid's weights)
 * @param keepBest        keep the best-scoring EMA weights as the model directory (the last checkpoint stays in
 *                        training_state/)
 * @param emaProfiles     σ_rel of EDM2's power-function EMAs kept besides the EMA (e.g. 0.05 and 0.10; empty: none),
 *                        whose snapshots post-hoc EMA combines into any other length after training
 * @param emaSnapshotEvery steps between snapshots of those EMAs ({@code ema-snapshots/})
 * @param edmPMean        EDM's P_mean: the mean of ln σ of the training noise levels (objective edm)
 * @param edmPStd         EDM's P_std: their standard deviation
 * @param precision       the arithmetic of the training steps and sample grids; null: {@link PrecisionRule}'s
 *                        choice for training, taken when the run starts and recorded with the run
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
        double labelDropout,
        int microBatches,
        boolean tensorboard,
        ModelDirectory.Layout layout,
        long evalEvery,
        int evalImages,
        String evalFeatures,
        boolean keepBest,
        java.util.List<Double> emaProfiles,
        long emaSnapshotEvery,
        double edmPMean,
        double edmPStd,
        Precision precision) {

    public TrainSettings {
        Objective kind = Objective.of(objective);
        require(kind != Objective.EDM || minSnrGamma == null, "min-SNR weighting is for the β-process objectives; EDM weights by λ(σ)");
        require(kind != Objective.EDM || !lossAware, "loss-aware timesteps are for the β-process objectives; EDM draws σ log-normal");
        require(kind != Objective.PROGRESSIVE_DISTILLATION || minSnrGamma == null && !lossAware,
                "progressive distillation weights by truncated SNR at the student's steps, drawn uniformly");
        require(evalEvery >= 0, "the evaluation interval must be non-negative");
        require(evalImages >= 2, "an evaluation needs at least 2 images");
        require(evalFeatures != null && evalFeatures.matches("(judge|inception)(:.+)?"), "eval features are judge[:DIR] or inception[:FILE]");
        require(!keepBest || evalEvery > 0, "keeping the best weights needs evaluations (an evaluation interval)");
        require(emaProfiles != null && emaProfiles.stream().allMatch(v -> v != null && v > 0 && v <= PowerEma.MAX_SIGMA_REL),
                "power EMA profiles are σ_rel values in (0, " + (float) PowerEma.MAX_SIGMA_REL + "]");
        emaProfiles = java.util.List.copyOf(emaProfiles);
        require(emaProfiles.isEmpty() || emaSnapshotEvery >= 1, "power EMA profiles need a snapshot interval of at least 1");
        require(Double.isFinite(edmPMean) && edmPStd > 0 && Double.isFinite(edmPStd), "EDM's P_std must be positive and P_mean finite");
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
        require(microBatches >= 1 && microBatches <= batchSize, "micro-batches must be between 1 and the batch size");
        require(layout != null, "a model directory layout is needed");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /**
     * What {@code --resume} may change in a run's saved settings (what leaves the training's numbers as they were, or
     * extends them); a null keeps the saved value.
     */
    public record Changes(Long steps, Long lrDecay, Boolean hflip, Boolean tensorboard, Precision precision, Long evalEvery,
                          Integer evalImages, String evalFeatures, Boolean keepBest) {
        public static final Changes NONE = new Changes(null, null, null, null, null);

        /** Changes of the training's own settings only. */
        public Changes(Long steps, Long lrDecay, Boolean hflip, Boolean tensorboard, Precision precision) {
            this(steps, lrDecay, hflip, tensorboard, precision, null, null, null, null);
        }

        public TrainSettings applyTo(TrainSettings s) {
            Builder b = s.toBuilder();
            if (steps != null) {
                b.steps(steps);
            }
            if (lrDecay != null) {
                b.lrDecay(lrDecay);
            }
            if (hflip != null) {
                b.hflip(hflip);
            }
            if (tensorboard != null) {
                b.tensorboard(tensorboard);
            }
            if (precision != null) {
                b.precision(precision);
            }
            if (evalEvery != null) {
                b.evalEvery(evalEvery);
            }
            if (evalImages != null) {
                b.evalImages(evalImages);
            }
            if (evalFeatures != null) {
                b.evalFeatures(evalFeatures);
            }
            if (keepBest != null) {
                b.keepBest(keepBest);
            }
            return b.build();
        }
    }

    /** The objective, parsed. */
    public Objective objectiveKind() {
        return Objective.of(objective);
    }

    /** The learning rate of the n-th update (1-based). */
    public double lrAt(long n) {
        return LearningRate.at(lr, warmup, lrDecay, steps, n);
    }

    /** The paper's recipe for {@code steps} steps (L_simple, Adam 2e-4, warm-up 5000, clip 1, EMA 0.9999, flips, batch 128): the defaults. */
    public static TrainSettings paper(long steps) {
        return builder().steps(steps).build();
    }

    /** Settings that start as the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Settings that start as these. */
    public Builder toBuilder() {
        return new Builder().objective(objective).minSnrGamma(minSnrGamma).lossAware(lossAware).lr(lr).adamBetas(beta1, beta2).eps(eps)
                .warmup(warmup).lrDecay(lrDecay).gradClip(gradClip).emaDecay(emaDecay).emaWarmup(emaWarmup).batchSize(batchSize)
                .steps(steps).seed(seed).hflip(hflip).checkpointEvery(checkpointEvery).sampleEvery(sampleEvery).sampleCount(sampleCount)
                .sampleSteps(sampleSteps).logEvery(logEvery).labelDropout(labelDropout).microBatches(microBatches)
                .tensorboard(tensorboard).layout(layout).evalEvery(evalEvery).evalImages(evalImages).evalFeatures(evalFeatures).keepBest(keepBest)
                .emaProfiles(emaProfiles, emaSnapshotEvery).edmNoiseLevels(edmPMean, edmPStd).precision(precision);
    }

    /**
     * The defaults, one place for each (the command line's {@code train} shows and uses these):
     * the paper's recipe (appendix B) for the optimisation, and for what the paper leaves open
     * (checkpoints, sample grids, logging) what keeps a crash cheap and a run watchable.
     */
    public static final class Builder {
        private String objective = "simple";
        private Double minSnrGamma = null;
        private boolean lossAware = false;
        private double lr = 2e-4;
        private double beta1 = 0.9;
        private double beta2 = 0.999;
        private double eps = 1e-8;
        private long warmup = 5000;
        private long lrDecay = 0;
        private double gradClip = 1.0;
        private double emaDecay = 0.9999;
        private boolean emaWarmup = false;
        private int batchSize = 128;
        private long steps = 100_000;
        private long seed = 0;
        private boolean hflip = true;
        private long checkpointEvery = 1000;
        private long sampleEvery = 5000;
        private int sampleCount = 36; // a 6×6 grid
        private int sampleSteps = 50;
        private long logEvery = 50;
        private double labelDropout = 0.1;
        private int microBatches = 1;
        private boolean tensorboard = true;
        private ModelDirectory.Layout layout = ModelDirectory.Layout.FLAT;
        private long evalEvery = 0;
        private int evalImages = 500;
        private String evalFeatures = "judge";
        private boolean keepBest = false;
        private java.util.List<Double> emaProfiles = java.util.List.of();
        private long emaSnapshotEvery = 0;
        private double edmPMean = -1.2; // EDM's CIFAR-10 settings (Table 1)
        private double edmPStd = 1.2;
        private Precision precision = null;

        private Builder() {
        }

        public Builder objective(String v) { objective = v; return this; }
        public Builder minSnrGamma(Double v) { minSnrGamma = v; return this; }
        public Builder lossAware(boolean v) { lossAware = v; return this; }
        public Builder lr(double v) { lr = v; return this; }
        public Builder adamBetas(double b1, double b2) { beta1 = b1; beta2 = b2; return this; }
        public Builder eps(double v) { eps = v; return this; }
        public Builder warmup(long v) { warmup = v; return this; }
        public Builder lrDecay(long v) { lrDecay = v; return this; }
        public Builder gradClip(double v) { gradClip = v; return this; }
        public Builder emaDecay(double v) { emaDecay = v; return this; }
        public Builder emaWarmup(boolean v) { emaWarmup = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder steps(long v) { steps = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder hflip(boolean v) { hflip = v; return this; }
        public Builder checkpointEvery(long v) { checkpointEvery = v; return this; }
        public Builder sampleEvery(long v) { sampleEvery = v; return this; }
        public Builder sampleCount(int v) { sampleCount = v; return this; }
        public Builder sampleSteps(int v) { sampleSteps = v; return this; }
        public Builder logEvery(long v) { logEvery = v; return this; }
        public Builder labelDropout(double v) { labelDropout = v; return this; }
        public Builder microBatches(int v) { microBatches = v; return this; }
        public Builder tensorboard(boolean v) { tensorboard = v; return this; }
        public Builder layout(ModelDirectory.Layout v) { layout = v; return this; }
        public Builder evalEvery(long v) { evalEvery = v; return this; }
        public Builder evalImages(int v) { evalImages = v; return this; }
        public Builder evalFeatures(String v) { evalFeatures = v; return this; }
        public Builder keepBest(boolean v) { keepBest = v; return this; }
        public Builder emaProfiles(java.util.List<Double> sigmaRels, long snapshotEvery) { emaProfiles = sigmaRels; emaSnapshotEvery = snapshotEvery; return this; }
        public Builder edmNoiseLevels(double pMean, double pStd) { edmPMean = pMean; edmPStd = pStd; return this; }
        public Builder precision(Precision v) { precision = v; return this; }

        /** The settings, checked. */
        public TrainSettings build() {
            return new TrainSettings(objective, minSnrGamma, lossAware, lr, beta1, beta2, eps, warmup, lrDecay, gradClip, emaDecay,
                    emaWarmup, batchSize, steps, seed, hflip, checkpointEvery, sampleEvery, sampleCount, sampleSteps, logEvery, labelDropout,
                    microBatches, tensorboard, layout, evalEvery, evalImages, evalFeatures, keepBest, emaProfiles, emaSnapshotEvery, edmPMean, edmPStd, precision);
        }
    }

    /** The defaults ({@link Builder}). */
    public static final TrainSettings DEFAULTS = builder().build();
}

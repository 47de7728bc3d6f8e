package ddpm4j.schedule;

/**
 * The diffusion process of a model directory, field for field diffusers' DDPMScheduler
 * {@code scheduler_config.json}.
 *
 * @param numTrainTimesteps {@code num_train_timesteps}: T
 * @param betaStart         {@code beta_start}
 * @param betaEnd           {@code beta_end}
 * @param betaSchedule      {@code beta_schedule}: a name of {@link BetaSchedules#NAMES}
 * @param trainedBetas      {@code trained_betas}: explicit β values, or null
 * @param varianceType      {@code variance_type}: fixed_large, fixed_small, learned (the network outputs
 *                          log σ²) or learned_range (Improved DDPM's interpolation)
 * @param clipSample        {@code clip_sample}: clip x̂₀ while sampling
 * @param clipSampleRange   {@code clip_sample_range}
 * @param predictionType    {@code prediction_type}: what the network predicts: epsilon, sample (x₀),
 *                          v_prediction, or mean (μ̃, this project's name for the paper's Table 2 row)
 * @param timestepSpacing   {@code timestep_spacing}: which steps a shortened sampler keeps by
 *                          default, a key of {@link Spacing}
 */
public record SchedulerConfig(
        int numTrainTimesteps,
        double betaStart,
        double betaEnd,
        String betaSchedule,
        double[] trainedBetas,
        String varianceType,
        boolean clipSample,
        double clipSampleRange,
        String predictionType,
        String timestepSpacing) {

    /** The same process with another β schedule, prediction and variance. */
    public SchedulerConfig with(String schedule, int steps, String variance, String prediction) {
        return new SchedulerConfig(steps, betaStart, betaEnd, schedule, null, variance, clipSample, clipSampleRange, prediction,
                timestepSpacing);
    }

    public static final java.util.List<String> BETA_SCHEDULES = BetaSchedules.NAMES;
    public static final java.util.List<String> VARIANCE_TYPES = java.util.List.of("fixed_large", "fixed_small",
            "fixed_large_log", "fixed_small_log", "learned", "learned_range");
    public static final java.util.List<String> PREDICTION_TYPES = java.util.List.of("epsilon", "sample", "v_prediction", "mean");

    public SchedulerConfig {
        if (numTrainTimesteps <= 0) {
            throw new IllegalArgumentException("num_train_timesteps must be positive, got " + numTrainTimesteps);
        }
        if (trainedBetas == null && !BETA_SCHEDULES.contains(betaSchedule)) {
            throw new IllegalArgumentException("beta_schedule: unsupported value '" + betaSchedule + "' (supported: "
                    + String.join(", ", BETA_SCHEDULES) + ")");
        }
        if (trainedBetas != null && trainedBetas.length != numTrainTimesteps) {
            throw new IllegalArgumentException("trained_betas has " + trainedBetas.length
                    + " values but num_train_timesteps is " + numTrainTimesteps);
        }
        if (!(betaStart > 0 && betaEnd >= betaStart && betaEnd <= 1)) {
            throw new IllegalArgumentException("beta_start and beta_end must satisfy 0 < beta_start <= beta_end < 1, got "
                    + betaStart + " and " + betaEnd);
        }
        if (!VARIANCE_TYPES.contains(varianceType)) {
            throw new IllegalArgumentException("variance_type: unsupported value '" + varianceType + "' (supported: "
                    + String.join(", ", VARIANCE_TYPES) + ")");
        }
        if (!PREDICTION_TYPES.contains(predictionType)) {
            throw new IllegalArgumentException("prediction_type: unsupported value '" + predictionType
                    + "' (supported: " + String.join(", ", PREDICTION_TYPES) + ")");
        }
        Spacing.of(timestepSpacing);
        if (!(clipSampleRange > 0)) {
            throw new IllegalArgumentException("clip_sample_range must be positive, got " + clipSampleRange);
        }
    }

    /** The paper's process: T = 1000, β linear from 1e-4 to 0.02, σ² = β, x̂₀ clipped. */
    public static SchedulerConfig paper() {
        return new SchedulerConfig(1000, 1e-4, 0.02, "linear", null, "fixed_large", true, 1.0, "epsilon", "leading");
    }

    /** The β values this configuration describes. */
    public double[] betas() {
        if (trainedBetas != null) {
            return trainedBetas.clone();
        }
        return BetaSchedules.of(betaSchedule, numTrainTimesteps, betaStart, betaEnd);
    }

    public NoiseSchedule schedule() {
        return new NoiseSchedule(betas());
    }

    /** Whether the network has extra output channels for its variance. */
    public boolean learnedVariance() {
        return varianceType.startsWith("learned");
    }

    /** Refuses timesteps the model was not trained on: each must lie in 0..T−1. */
    public void requireTrainedTimesteps(long[] t) {
        for (int i = 0; i < t.length; i++) {
            if (t[i] < 0 || t[i] >= numTrainTimesteps) {
                throw new IllegalArgumentException("timestep " + t[i] + " at index " + i + " is outside 0.." + (numTrainTimesteps - 1)
                        + ", the steps this model was trained on (num_train_timesteps " + numTrainTimesteps + ")");
            }
        }
    }
}

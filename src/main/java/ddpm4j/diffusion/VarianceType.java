package ddpm4j.diffusion;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;

/** The variance σ²_t of the reverse process p(x_{t−1} | x_t). */
public enum VarianceType {
    /** σ² = β_t; the log-variance at the first step is log β̃₁ as in the original. */
    FIXED_LARGE("fixed_large", false),
    /** σ² = β̃_t with the clipped log. */
    FIXED_SMALL("fixed_small", false),
    /** The network's extra channels are log σ². */
    LEARNED("learned", true),
    /** The network's extra channels v ∈ [−1, 1] give log σ² = ((v+1)/2)·log β + (1 − (v+1)/2)·log β̃ (Improved DDPM). */
    LEARNED_RANGE("learned_range", true);

    public final String configName;
    private final boolean learned;

    VarianceType(String configName, boolean learned) {
        this.configName = configName;
        this.learned = learned;
    }

    /** Whether the network outputs the variance in C extra channels. */
    public boolean learned() {
        return learned;
    }

    /**
     * log σ²_t, from the schedule or from the network's variance channels {@code values}, on the
     * device of {@code like}.
     */
    Tensor logVariance(GaussianDiffusion d, int[] t, Tensor values, Tensor like) {
        var s = d.schedule();
        return switch (this) {
            case FIXED_LARGE -> d.gather("fixedLargeLogVariance", i -> fixedLargeLog(d, i), t, like);
            case FIXED_SMALL -> d.posteriorLogVariance(t, like);
            case LEARNED -> values;
            case LEARNED_RANGE -> {
                Tensor frac = values.add(new Scalar(1.0)).mul(new Scalar(0.5));
                Tensor maxLog = d.gather("logBeta", i -> Math.log(s.beta(i)), t, like);
                Tensor minLog = d.posteriorLogVariance(t, like);
                yield frac.mul(maxLog).add(frac.neg().add(new Scalar(1.0)).mul(minLog));
            }
        };
    }

    private static double fixedLargeLog(GaussianDiffusion d, int i) {
        var s = d.schedule();
        return i == 0 && s.steps() > 1 ? Math.log(s.posteriorVariance(1)) : Math.log(s.beta(i));
    }

    /** diffusers' names, with its *_log variants of the fixed choices. */
    public static VarianceType fromConfig(String name) {
        String n = name.endsWith("_log") ? name.substring(0, name.length() - 4) : name;
        return Arrays.stream(values()).filter(v -> v.configName.equals(n)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown variance type '" + name + "'"));
    }
}

package ddpm4j.schedule;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The variance σ²_t of the reverse process p(x_{t−1} | x_t): scheduler_config.json's {@code variance_type}. */
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

    /** diffusers' names; its {@code fixed_small_log} and {@code fixed_large_log} sample as the plain ones. */
    public static VarianceType fromConfig(String name) {
        String n = name.endsWith("_log") && name.startsWith("fixed") ? name.substring(0, name.length() - 4) : name;
        return Arrays.stream(values()).filter(v -> v.configName.equals(n)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("variance_type: unsupported value '" + name + "' (supported: "
                        + Arrays.stream(values()).map(v -> v.configName).collect(Collectors.joining(", "))
                        + ", fixed_small_log, fixed_large_log)"));
    }
}

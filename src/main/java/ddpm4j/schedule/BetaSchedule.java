package ddpm4j.schedule;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The β schedules by their {@code beta_schedule} names (the original code's, Improved DDPM's and diffusers'). */
public enum BetaSchedule {
    LINEAR("linear"),
    /** √β linear (the original's {@code quad}). */
    QUAD("quad"),
    /** diffusers' name for {@link #QUAD}. */
    SCALED_LINEAR("scaled_linear"),
    /** β = beta_end at every step. */
    CONST("const"),
    /** β = 1/T, 1/(T−1), …, 1. */
    JSD("jsd"),
    WARMUP10("warmup10"),
    WARMUP50("warmup50"),
    SIGMOID("sigmoid"),
    /** Nichol &amp; Dhariwal's cosine ᾱ. */
    COSINE("cosine"),
    /** diffusers' name for {@link #COSINE}. */
    SQUAREDCOS_CAP_V2("squaredcos_cap_v2");

    /** The name in scheduler_config.json. */
    public final String configName;

    BetaSchedule(String configName) {
        this.configName = configName;
    }

    /**
     * β over {@code steps} steps; {@code start}/{@code end} are ignored by {@code jsd} and {@code cosine},
     * and {@code const} uses {@code end}.
     */
    public double[] betas(int steps, double start, double end) {
        if (steps < 1) {
            throw new IllegalArgumentException("a schedule needs at least one step, got " + steps);
        }
        return switch (this) {
            case LINEAR -> BetaSchedules.linear(steps, start, end);
            case QUAD, SCALED_LINEAR -> BetaSchedules.quad(steps, start, end);
            case CONST -> BetaSchedules.constant(steps, end);
            case JSD -> BetaSchedules.jsd(steps);
            case WARMUP10 -> BetaSchedules.warmup(steps, start, end, 0.1);
            case WARMUP50 -> BetaSchedules.warmup(steps, start, end, 0.5);
            case SIGMOID -> BetaSchedules.sigmoid(steps, start, end);
            case COSINE, SQUAREDCOS_CAP_V2 -> BetaSchedules.cosine(steps);
        };
    }

    /** The schedule called {@code name} in scheduler_config.json. */
    public static BetaSchedule fromConfig(String name) {
        return Arrays.stream(values()).filter(s -> s.configName.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("beta_schedule: unsupported value '" + name + "' (supported: "
                        + Arrays.stream(values()).map(s -> s.configName).collect(Collectors.joining(", ")) + ")"));
    }
}

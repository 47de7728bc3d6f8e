package ddpm4j.schedule;

import java.util.Arrays;
import java.util.stream.Collectors;

/** What the network's (first C) output channels predict: scheduler_config.json's {@code prediction_type}. */
public enum Prediction {
    /** ε, the noise added (the paper's choice, eq. 11). */
    EPSILON("epsilon"),
    /** x₀ itself. */
    SAMPLE("sample"),
    /** The posterior mean μ̃_t(x_t, x₀) (Table 2's μ̃ prediction; this project's name). */
    MEAN("mean"),
    /** v = √ᾱ ε − √(1−ᾱ) x₀ (Salimans &amp; Ho 2022). */
    V("v_prediction");

    /** The name in scheduler_config.json's {@code prediction_type}. */
    public final String configName;

    Prediction(String configName) {
        this.configName = configName;
    }

    public static Prediction fromConfig(String name) {
        return Arrays.stream(values()).filter(p -> p.configName.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("prediction_type: unsupported value '" + name + "' (supported: "
                        + Arrays.stream(values()).map(p -> p.configName).collect(Collectors.joining(", ")) + ")"));
    }
}

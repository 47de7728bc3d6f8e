package ddpm4j.diffusion;

import java.util.Arrays;

/** The training objectives of Ho et al. 2020 (Table 2) and Improved DDPM. */
public enum LossType {
    /** L_simple (eq. 14): unweighted mean squared error of the network output against its target. */
    SIMPLE("simple"),
    /** The true bound: the term L_{t−1} (KL, or the decoder NLL at t = 1) in bits/dim. */
    VLB("vlb"),
    /** ‖μ̃ − μθ‖² / (2σ²_t) in bits/dim: the bound's weighting of the mean error. */
    MEAN_MSE("mean_mse"),
    /** L_simple + 0.001 · T · L_t with the mean's gradient stopped in the bound term (Improved DDPM). */
    HYBRID("hybrid");

    public final String cliName;

    LossType(String cliName) {
        this.cliName = cliName;
    }

    public static LossType fromName(String name) {
        return Arrays.stream(values()).filter(v -> v.cliName.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown objective '" + name + "' (known: simple, vlb, mean_mse, hybrid)"));
    }
}

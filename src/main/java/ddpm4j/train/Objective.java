package ddpm4j.train;

import ddpm4j.diffusion.LossType;

import java.util.Arrays;

/** What training minimises: one of the losses of a β process (Ho et al. 2020, Improved DDPM), or EDM's. */
public enum Objective {
    SIMPLE(LossType.SIMPLE), VLB(LossType.VLB), MEAN_MSE(LossType.MEAN_MSE), HYBRID(LossType.HYBRID),
    /**
     * EDM (Karras et al. 2022): per image a noise level ln σ ~ N(P_mean, P_std²), the network preconditioned with σ_data
     * and the loss weighted by λ(σ); the process is an EDM process (EDMEulerScheduler's scheduler_config.json).
     */
    EDM(null);

    /** The command line's name (and the settings' JSON value). */
    public final String cliName;
    /** The β process's loss, or null for EDM. */
    public final LossType loss;

    Objective(LossType loss) {
        this.loss = loss;
        this.cliName = loss == null ? "edm" : loss.cliName;
    }

    public static Objective of(String name) {
        return Arrays.stream(values()).filter(v -> v.cliName.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown objective '" + name + "' (known: "
                        + String.join(", ", Arrays.stream(values()).map(v -> v.cliName).toList()) + ")"));
    }
}

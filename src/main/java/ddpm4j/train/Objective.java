package ddpm4j.train;

import ddpm4j.diffusion.LossType;

import java.util.Arrays;

/** What training minimises: one of the losses of a β process (Ho et al. 2020, Improved DDPM), EDM's, or a distillation stage's. */
public enum Objective {
    SIMPLE(LossType.SIMPLE, null), VLB(LossType.VLB, null), MEAN_MSE(LossType.MEAN_MSE, null), HYBRID(LossType.HYBRID, null),
    /**
     * EDM (Karras et al. 2022): per image a noise level ln σ ~ N(P_mean, P_std²), the network preconditioned with σ_data
     * and the loss weighted by λ(σ); the process is an EDM process (EDMEulerScheduler's scheduler_config.json).
     */
    EDM(null, "edm"),
    /**
     * One stage of progressive distillation ({@link ProgressiveDistillation}): the run's network is the student, its teacher
     * the model directory in the run's {@value ProgressiveDistillation#TEACHER}/ ({@code ddpm4j distill} writes it).
     */
    PROGRESSIVE_DISTILLATION(null, "progressive-distillation");

    /** The command line's name (and the settings' JSON value). */
    public final String cliName;
    public final LossType loss;

    /** The β process's loss, or null for EDM and distillation. */
    Objective(LossType loss, String name) {
        this.loss = loss;
        this.cliName = loss == null ? name : loss.cliName;
    }

    public static Objective of(String name) {
        return Arrays.stream(values()).filter(v -> v.cliName.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown objective '" + name + "' (known: "
                        + String.join(", ", Arrays.stream(values()).map(v -> v.cliName).toList()) + ")"));
    }
}

package ddpm4j.train;

import ddpm4j.schedule.Prediction;

import java.util.Arrays;
import java.util.Locale;

/**
 * A named starting point for training: the objective, what the network predicts, the loss weighting and the
 * optimisation that {@code train --recipe NAME} takes wherever its options are not given. {@link #PAPER} is {@code
 * train}'s default; {@link #FAST} starts from EDM's objective, which reached the paper recipe's judge FID in half the
 * steps on the built-in model's network (docs/edm.md). How the recipes compare at the quickstart's budget is measured in
 * docs/recipes.md.
 */
public enum Recipe {
    /** Ho et al. 2020: ε-prediction on linear β's, L_simple, Adam 2e-4 after 5,000 warm-up steps, EMA 0.9999. */
    PAPER(TrainSettings.DEFAULTS, Prediction.EPSILON),
    /**
     * EDM's objective (Karras et al. 2022: the preconditioned network, ln σ ~ N(−1.2, 1.2²), the λ(σ) weight) with a
     * short run's optimisation: Adam 1e-3 after 100 warm-up steps, EMA 0.999 with warm-up.
     */
    FAST(TrainSettings.DEFAULTS.toBuilder().objective(Objective.EDM.cliName).lr(1e-3).warmup(100).emaDecay(0.999).emaWarmup(true)
            .build(), Prediction.EPSILON);

    /** The command line's name. */
    public final String cliName = name().toLowerCase(Locale.ROOT);
    /** The settings of a run with this recipe and nothing else given ({@link TrainSettings#DEFAULTS} for the paper's). */
    public final TrainSettings settings;
    /** What the network predicts. */
    public final Prediction prediction;

    Recipe(TrainSettings settings, Prediction prediction) {
        this.settings = settings;
        this.prediction = prediction;
    }

    public static Recipe of(String name) {
        return Arrays.stream(values()).filter(r -> r.cliName.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown recipe '" + name + "' (known: "
                        + String.join(", ", Arrays.stream(values()).map(r -> r.cliName).toList()) + ")"));
    }
}

package ddpm4j.train;

import ddpm4j.schedule.BetaSchedule;
import ddpm4j.schedule.Prediction;
import ddpm4j.schedule.SchedulerConfig;

import java.util.Arrays;
import java.util.Locale;

/**
 * A named starting point for training: the objective, what the network predicts, the loss weighting and the
 * optimisation that {@code train --recipe NAME} takes wherever its options are not given. {@link #PAPER} is {@code
 * train}'s default; {@link #FAST} is the recipe that reached the best judge FID at the quickstart's budget on a 2-core
 * CPU (docs/recipes.md), and the quickstart's.
 */
public enum Recipe {
    /** Ho et al. 2020: ε-prediction on linear β's, L_simple, Adam 2e-4 after 5,000 warm-up steps, EMA 0.9999. */
    PAPER(TrainSettings.DEFAULTS, Prediction.EPSILON, BetaSchedule.LINEAR, process -> process),
    /**
     * v-prediction (Salimans &amp; Ho 2022) with min-SNR-5 weighting (Hang et al. 2023) on the cosine schedule of β's
     * (Nichol &amp; Dhariwal 2021, diffusers' squaredcos_cap_v2), and a short run's optimisation: Adam 1e-3 after 100 warm-up
     * steps, EMA 0.999 with warm-up. On 46,080 images of the quickstart's network and data (docs/recipes.md; AMD EPYC
     * Zen 4, bf16 training, fp32 scoring) v-prediction alone scored judge FID 25.0 and 21.9 (two seeds, batch 64) where EDM's
     * objective scored 32.2 and 30.3 and the paper's recipe 67.2; the cosine schedule took v-prediction at batch 32 from 21.5
     * to 17.3.
     */
    FAST(TrainSettings.DEFAULTS.toBuilder().minSnrGamma(5.0).lr(1e-3).warmup(100).emaDecay(0.999).emaWarmup(true).build(),
            Prediction.V, BetaSchedule.SQUAREDCOS_CAP_V2,
            process -> process.withSetting("use_karras_sigmas", true));

    /** The command line's name. */
    public final String cliName = name().toLowerCase(Locale.ROOT);
    /** The settings of a run with this recipe and nothing else given ({@link TrainSettings#DEFAULTS} for the paper's). */
    public final TrainSettings settings;
    /** What the network predicts. */
    public final Prediction prediction;
    /** The β's of its process. */
    public final BetaSchedule schedule;
    private final java.util.function.UnaryOperator<SchedulerConfig> drawnWith;

    Recipe(TrainSettings settings, Prediction prediction, BetaSchedule schedule, java.util.function.UnaryOperator<SchedulerConfig> drawnWith) {
        this.settings = settings;
        this.prediction = prediction;
        this.schedule = schedule;
        this.drawnWith = drawnWith;
    }

    /** The process it trains: the paper's T, β range and variance, with this recipe's β schedule and prediction, {@link #drawnWith}. */
    public SchedulerConfig process() {
        SchedulerConfig paper = SchedulerConfig.paper();
        return drawnWith(paper.with(schedule, paper.numTrainTimesteps(), paper.variance(), prediction));
    }

    /**
     * {@code process} as the scheduler_config.json of this recipe's models, a DDPMScheduler (the training process, as
     * diffusers' DDPMPipeline loads it) with the keys of the sampler they are drawn best with, which {@code sample --model
     * DIR}'s default (UniPC) takes: the paper's as it is; the fast recipe's with {@code use_karras_sigmas}, UniPC on Karras'
     * σ's, which drew its quickstart model at judge FID 11.8 and 11.6 (seeds 1, 2) where UniPC on the process's own grid
     * scored 19.0 and 19.0 and DDIM-50 16.2 (1,000 images against the 60,000 training images, AMD EPYC Zen 4, fp32;
     * docs/recipes.md). (diffusers' DDPMScheduler leaves the key to the schedulers that have it.)
     */
    public SchedulerConfig drawnWith(SchedulerConfig process) {
        return drawnWith.apply(process);
    }

    public static Recipe of(String name) {
        return Arrays.stream(values()).filter(r -> r.cliName.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown recipe '" + name + "' (known: "
                        + String.join(", ", Arrays.stream(values()).map(r -> r.cliName).toList()) + ")"));
    }
}

package ddpm4j.cli;

import ddpm4j.sample.Generation;
import ddpm4j.sample.Noise;
import ddpm4j.sample.SamplerChoice;
import ddpm4j.sample.Samplers;
import ddpm4j.sample.TracedSampler;
import ddpm4j.schedule.SchedulerClass;
import ddpm4j.schedule.SchedulerConfig;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** The sampler options every command that generates images shares. */
final class SamplerOptions {
    @Option(names = {"--scheduler", "--sampler"}, paramLabel = "NAME", completionCandidates = SchedulerNames.class,
            description = "The diffusers scheduler that samples, by class name or short name: ${COMPLETION-CANDIDATES} (ddpm is the"
                    + " paper's ancestral sampling, Algorithm 2) (default: the model's scheduler_config.json; where that is a"
                    + " DDPMScheduler, the training process: unipc, or ddpm for figure progressive).")
    String scheduler;

    /** The short names of {@link SchedulerClass}, the one list of schedulers, for --scheduler's help. */
    static final class SchedulerNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return java.util.Arrays.stream(SchedulerClass.values()).map(c -> c.alias).iterator();
        }
    }

    @Option(names = "--steps", paramLabel = "S",
            description = "Inference steps (default: T for ddpm, 50 or T if smaller for ddim, 20 or T if smaller for the others;"
                    + " heun takes 2S-1 network passes).")
    Integer steps;

    @Option(names = "--timesteps", split = ",", paramLabel = "T,T",
            description = "Explicit timesteps, descending, instead of --steps: for a consistency model the indices into its grid of"
                    + " num_train_timesteps noise levels, 0 the highest (OpenAI's two-step sampling of ImageNet-64: 22,0), as"
                    + " diffusers' ConsistencyModelPipeline takes them (default: --steps; one step for a consistency model).")
    List<Integer> timesteps;

    @Option(names = "--spacing", paramLabel = "NAME",
            description = "Which training steps are visited: leading (0, T/S, ...), trailing (..., T-1) or linspace"
                    + " (default: the scheduler's timestep_spacing).")
    String spacing;

    @Option(names = "--eta", paramLabel = "E", description = "DDIM noise scale: 0 deterministic, 1 ancestral-like (default: 0).")
    Double eta;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Sets a key of the scheduler's scheduler_config.json, e.g. --set solver_order=3 --set use_karras_sigmas=true"
                    + " (repeatable; values are JSON: true, 3, 0.5, [0,1], null, or text).")
    List<String> settings = new ArrayList<>();

    @Mixin
    SeedOption seed;

    @Option(names = "--first-image", defaultValue = "0", paramLabel = "K",
            description = "Start at image K of the seed's images: --first-image K --n N gives images K..K+N-1 of one longer run,"
                    + " so a long run can be made in parts, one after the other or on several machines (per-image generator only;"
                    + " default: ${DEFAULT-VALUE}).")
    int firstImage;

    @Option(names = "--generator", defaultValue = "per-image", paramLabel = "KIND",
            description = "per-image: image k's noise depends only on (seed, k), whatever the batch size; torch: PyTorch's CPU"
                    + " generator after torch.manual_seed(seed), as diffusers' pipelines draw with a generator, batch by batch"
                    + " (default: ${DEFAULT-VALUE}).")
    String generator;

    /** The values of --generator. */
    static final List<String> GENERATORS = List.of("per-image", "torch");

    @Mixin
    BatchSizeOption batch;

    @Option(names = "--clip", negatable = true, description = "Clip the predicted x0 to [-1,1] at each step (default: the scheduler's clip_sample).")
    Boolean clip;

    private final SchedulerClass fallback;
    private SchedulerClass chosen;

    /** Options whose scheduler is {@code fallback} where the model's is a DDPMScheduler and --scheduler is not given. */
    SamplerOptions(SchedulerClass fallback) {
        this.fallback = fallback;
    }

    /** Checks the values that do not depend on the model. */
    void validate() {
        batch.validate();
        if (timesteps != null && steps != null) {
            throw new UserException("give --steps or --timesteps, not both");
        }
        for (String s : settings) {
            if (s.indexOf('=') < 1) {
                throw new UserException("--set takes KEY=VALUE, got '" + s + "'");
            }
        }
        try {
            choice().validate();
        } catch (SamplerChoice.Invalid e) {
            throw refusal(e);
        }
        if (!GENERATORS.contains(generator)) {
            throw new UserException("--generator must be per-image or torch, got '" + generator + "'");
        }
        Checks.atLeast("--first-image", firstImage, 0);
        if (firstImage > 0 && generator.equals("torch")) {
            throw new UserException("--first-image needs the per-image generator: the torch generator is one stream through the batches");
        }
    }

    /** The sampler choices these options make ({@link SamplerChoice}: the reading that serve shares). */
    SamplerChoice choice() {
        java.util.Map<String, Object> keys = new java.util.LinkedHashMap<>();
        for (String s : settings) {
            int eq = s.indexOf('=');
            String key = s.substring(0, eq);
            try {
                keys.put(key, SchedulerConfig.valueOf(key, s.substring(eq + 1)));
            } catch (IllegalArgumentException e) {
                throw new UserException(e.getMessage());
            }
        }
        return new SamplerChoice(scheduler, steps, timesteps == null ? null : timesteps.stream().mapToInt(Integer::intValue).toArray(),
                spacing, eta, clip, keys);
    }

    /** The scheduler configuration these options make of a model's. */
    SchedulerConfig config(SchedulerConfig model) {
        try {
            return choice().config(model, fallback);
        } catch (SamplerChoice.Invalid e) {
            throw refusal(e);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
    }

    /** The sampler these options describe for a model's process. */
    TracedSampler build(SchedulerConfig model) {
        SamplerChoice c = choice();
        try {
            TracedSampler sampler = c.build(model, fallback);
            chosen = c.schedulerClass(model, fallback);
            return sampler;
        } catch (SamplerChoice.Invalid e) {
            throw refusal(e);
        }
    }

    private static UserException refusal(SamplerChoice.Invalid e) {
        return new UserException(e.messageFor("--" + e.field()));
    }

    /** The run's noise, as --generator, --seed and --first-image say. */
    Noise noise() {
        return generator.equals("torch") ? Noise.torch(seed.value) : Noise.perImage(seed.value).from(firstImage);
    }

    /** The networks of a run's images, from --first-image on (the classes of class-conditional models follow the images). */
    Generation.PerImages network(Generation.PerImages images) {
        return images.from(firstImage);
    }

    /** For reports: scheduler, steps, eta and seed. */
    String describe() {
        String name = chosen != null ? chosen.alias : scheduler != null ? scheduler : fallback.alias;
        String count = timesteps != null ? "timesteps " + timesteps.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(","))
                : steps == null ? "default steps" : steps + " steps";
        return name + " " + count + (spacing == null ? "" : " " + spacing) + (eta != null && eta > 0 ? ", eta " + eta : "")
                + (settings.isEmpty() ? "" : ", " + String.join(", ", settings)) + ", seed " + seed.value
                + (firstImage > 0 ? " from image " + firstImage : "")
                + (generator.equals("torch") ? " (torch generator)" : "");
    }
}

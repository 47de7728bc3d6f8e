package ddpm4j.cli;

import ddpm4j.data.DataSpecs;
import ddpm4j.data.ImageSource;
import ddpm4j.dist.Group;
import ddpm4j.io.ModelDirectory;
import ddpm4j.nn.Presets;
import ddpm4j.nn.UNetConfig;
import ddpm4j.schedule.BetaSchedule;
import ddpm4j.schedule.EdmProcess;
import ddpm4j.schedule.Prediction;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.schedule.VarianceType;
import ddpm4j.torch.Precision;
import ddpm4j.torch.PrecisionRule;
import ddpm4j.train.Checkpoint;
import ddpm4j.train.Objective;
import ddpm4j.train.Recipe;
import ddpm4j.train.TrainSettings;
import ddpm4j.train.Trainer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code ddpm4j train}: Algorithm 1 on a dataset, into a model directory. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false, defaultValueProvider = TrainCommand.Defaults.class,
        description = {"Train a diffusion model (Algorithm 1) on a dataset. The defaults are the paper's recipe (Ho et al. 2020);"
                + " --recipe fast starts from the recipe measured best for a short CPU run instead (docs/recipes.md).",
                "OUT becomes a model directory holding the EMA weights, plus training_state/ (checkpoints),"
                        + " metrics.jsonl, samples/step-N.png, loss.png and logs/ (TensorBoard: tensorboard --logdir"
                        + " OUT). --resume continues where the last checkpoint left off."})
final class TrainCommand implements Callable<Integer> {
    @Mixin
    Options options;

    @Spec
    CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "SPEC",
            description = "fashion-mnist:train, mnist:train, cifar10:train, a folder of PNG/JPEG, or a uint8 .npy/.npz [N,H,W,C].")
    String data;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where named datasets are looked for first.")
    Path dataDir;

    @Option(names = "--image-size", paramLabel = "S", description = "Side to crop and resize a folder's images to (default: the preset's).")
    Integer imageSize;

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "Output model directory." + Outputs.CREATES_FOLDERS)
    Path out;

    @Option(names = "--resume", description = "Continue the run in --out from its last checkpoint.")
    boolean resume;

    @Option(names = "--recipe", paramLabel = "NAME", completionCandidates = RecipeNames.class,
            description = "Where the objective and optimisation start: paper (Ho et al. 2020, the defaults below) or fast"
                    + " (v-prediction, min-SNR-5 weighting, cosine β's, Adam 1e-3 after 100 warm-up steps, EMA 0.999 with warm-up:"
                    + " the best judge FID at the quickstart's budget measured on a 2-core CPU, docs/recipes.md); --objective,"
                    + " --prediction, --schedule, --min-snr-gamma, --lr, --warmup, --ema-decay and --[no-]ema-warmup given as well"
                    + " override it (default: paper).")
    String recipe;

    /** The recipes' names, for --recipe's completion. */
    static final class RecipeNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return java.util.Arrays.stream(Recipe.values()).map(r -> r.cliName).iterator();
        }
    }

    @Option(names = "--preset", paramLabel = "NAME", description = "Architecture: ${COMPLETION-CANDIDATES} (default: small28 for 28x28 gray data, small32 for 32x32 RGB).",
            completionCandidates = BenchCommand.PresetNames.class)
    String preset;

    @Option(names = "--dropout", paramLabel = "P", description = "Dropout rate (default: the preset's).")
    Double dropout;

    @Option(names = "--steps", paramLabel = "N", description = "Optimizer steps (default: ${DEFAULT-VALUE}; with --resume, extends or shortens the run).")
    long steps;

    @Option(names = "--batch-size", paramLabel = "B", description = "Images per step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--lr", paramLabel = "LR", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--adam-betas", paramLabel = "B1,B2", converter = NumberPair.Converter.class,
            description = "Adam betas, two numbers (default: ${DEFAULT-VALUE}).")
    NumberPair adamBetas;

    @Option(names = "--adam-eps", paramLabel = "E", description = "Adam epsilon (default: ${DEFAULT-VALUE}).")
    double adamEps;

    @Option(names = "--warmup", paramLabel = "N", description = "Linear learning-rate warm-up steps (default: ${DEFAULT-VALUE}).")
    long warmup;

    @Option(names = "--lr-decay", paramLabel = "N", description = "Let the learning rate fall linearly to zero over the"
            + " last N steps (default: ${DEFAULT-VALUE}, constant after warm-up; with --resume, changes the run's decay).")
    long lrDecay;

    @Option(names = "--grad-clip", paramLabel = "C", description = "Global gradient-norm clip, 0 for none (default: ${DEFAULT-VALUE}).")
    double gradClip;

    @Option(names = "--ema-decay", paramLabel = "D", description = "EMA decay (default: ${DEFAULT-VALUE}).")
    double emaDecay;

    @Option(names = "--ema-warmup", negatable = true, fallbackValue = "true",
            description = "Use min(decay, (1+n)/(10+n)) so short runs get a useful EMA (default: off, on with --recipe fast).")
    Boolean emaWarmup;

    @Option(names = "--flip", negatable = true, fallbackValue = "true",
            description = "Random horizontal flips (default: on, but off for mnist and fashion-mnist, whose images all face"
                    + " one way; with --resume, changes the run's choice).")
    Boolean flip;

    @Option(names = "--objective", paramLabel = "NAME", description = "simple, vlb, mean_mse or hybrid (the paper's process of β's), or"
            + " edm: Karras et al. 2022's preconditioned network, log-normal noise levels and λ(σ) weight; the model samples with"
            + " EDMEulerScheduler (default: ${DEFAULT-VALUE}).")
    String objective;

    @Option(names = "--eval-every", paramLabel = "N", description = "Every N steps, the FID of the EMA weights: the same"
            + " --eval-images seeded images, drawn as the sample grids are, against every training image, in metrics.jsonl and"
            + " TensorBoard (default: ${DEFAULT-VALUE}: none).")
    long evalEvery;

    @Option(names = "--eval-images", paramLabel = "N", description = "Images per evaluation (default: ${DEFAULT-VALUE}).")
    int evalImages;

    @Option(names = "--eval-features", paramLabel = "SPEC", description = "The evaluations' feature network: judge[:DIR] (for 28x28 gray"
            + " data; the built-in fashion-mnist judge unless a directory made by 'eval judge' is given) or inception[:FILE]"
            + " (pytorch-fid's weights, by default in ~/.cache/ddpm4j) (default: ${DEFAULT-VALUE}).")
    String evalFeatures;

    @Option(names = "--keep-best", description = "Keep the best-scoring EMA weights (by --eval-every's FID) as the model directory;"
            + " the last checkpoint stays in training_state/ for --resume.")
    boolean keepBest;

    @Option(names = "--ema-profiles", paramLabel = "S,S", description = "Also keep EDM2's power-function EMAs of these relative"
            + " lengths (one or more, e.g. 0.05,0.10) and snapshot them every --ema-snapshot-every steps into OUT/ema-snapshots/;"
            + " 'ddpm4j ema' then makes the EMA of any length from them (post-hoc EMA).")
    String emaProfiles;

    @Option(names = "--ema-snapshot-every", paramLabel = "N", description = "Steps between the EMA profiles' snapshots"
            + " (default: --checkpoint-every).")
    Long emaSnapshotEvery;

    @Option(names = "--sigma-data", paramLabel = "S", description = "With --objective edm: the data's standard deviation that the"
            + " preconditioning assumes (default: ${DEFAULT-VALUE}, EDM's for images in [-1, 1]).")
    double sigmaData;

    @Option(names = "--edm-noise", paramLabel = "P_MEAN,P_STD", converter = NumberPair.Converter.class,
            description = "With --objective edm: the training noise levels' ln sigma ~ N(P_MEAN, P_STD^2) (default: ${DEFAULT-VALUE}).")
    NumberPair edmNoise;

    @Option(names = "--min-snr-gamma", paramLabel = "G", description = "Min-SNR-gamma weighting of the MSE term.")
    Double minSnrGamma;

    @Option(names = "--loss-aware", description = "Importance-sample timesteps by their loss (Improved DDPM).")
    boolean lossAware;

    @Option(names = "--prediction", paramLabel = "NAME", converter = ProcessNames.Predicts.class,
            completionCandidates = ProcessNames.Predicts.class,
            description = "What the network predicts: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Prediction prediction;

    @Option(names = "--variance", paramLabel = "NAME", converter = ProcessNames.Variance.class,
            completionCandidates = ProcessNames.Variance.class,
            description = "Reverse-process variance: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    VarianceType variance;

    @Option(names = "--schedule", paramLabel = "NAME", converter = ProcessNames.Schedule.class,
            completionCandidates = ProcessNames.Schedule.class,
            description = "Beta schedule: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    BetaSchedule schedule;

    @Option(names = "--timesteps", paramLabel = "T", description = "Diffusion steps T (default: ${DEFAULT-VALUE}).")
    int timesteps;

    @Option(names = "--beta-range", paramLabel = "START,END", converter = NumberPair.Converter.class,
            description = "Beta start and end, two numbers (default: ${DEFAULT-VALUE}).")
    NumberPair betaRange;

    @Option(names = "--seed", paramLabel = "K", description = "Seed of initialisation, data order, noise and dropout (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--checkpoint-every", paramLabel = "N", description = "Steps between checkpoints (default: ${DEFAULT-VALUE}).")
    long checkpointEvery;

    @Option(names = "--sample-every", paramLabel = "N", description = "Steps between sample grids, 0 for the end only (default: ${DEFAULT-VALUE}).")
    long sampleEvery;

    @Option(names = "--samples", paramLabel = "N", description = "Images per sample grid (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--sample-steps", paramLabel = "S", description = "Network passes of the sample grids and --eval-every's images: DDIM"
            + " steps, or for --objective edm EDM's Heun with S/2 + 1 steps (default: ${DEFAULT-VALUE}).")
    int sampleSteps;

    @Option(names = "--class-conditional", description = "Condition the network on the data's class labels (a class embedding"
            + " added to the timestep embedding), for sampling with --class and --guidance.")
    boolean classConditional;

    @Option(names = "--label-dropout", paramLabel = "P",
            description = "With --class-conditional: probability of training on the no-class label instead, which"
                    + " classifier-free guidance needs (default: ${DEFAULT-VALUE}).")
    double labelDropout;

    @Option(names = "--micro-batches", paramLabel = "K",
            description = "Cut each step's batch (under launch, each rank's share) into K parts whose gradients add up"
                    + " before the update: the memory of a smaller batch, the step of the whole (default: ${DEFAULT-VALUE}).")
    int microBatches;

    @Option(names = "--log-every", paramLabel = "N", description = "Steps between metrics lines (default: ${DEFAULT-VALUE}).")
    long logEvery;

    @Option(names = "--layout", paramLabel = "flat|pipeline", converter = ProcessNames.Layouts.class,
            description = "How OUT's model files are arranged: flat (config.json, weights, scheduler_config.json side by side)"
                    + " or pipeline (diffusers' model_index.json, unet/, scheduler/, for DDPMPipeline.from_pretrained)"
                    + " (default: ${DEFAULT-VALUE}; a run keeps its layout, `convert` changes a finished one).")
    ModelDirectory.Layout layout;

    @Option(names = "--tensorboard", negatable = true, fallbackValue = "true",
            description = "Also write the metrics and sample grids as TensorBoard event files in OUT/logs/ (default: on;"
                    + " with --resume, changes the run's choice).")
    Boolean tensorboard;

    @Override
    public Integer call() throws Exception {
        Checks.atLeast("--image-size", imageSize, 1);
        boolean hasRun = Checkpoint.exists(out);
        if (resume && !hasRun) {
            throw new UserException(out + " holds no checkpoint to resume");
        }
        if (!resume && hasRun) {
            throw new UserException(out + " already holds a training run; pass --resume to continue it or choose another --out");
        }
        if (!resume && "progressive-distillation".equals(objective)) {
            throw new UserException("--objective progressive-distillation is the objective of distill's stages; run ddpm4j distill --teacher DIR ...");
        }
        TrainSettings settings = settings();
        options.apply();
        TrainSettings.Changes changes = changes();
        int folderSize = imageSize != null ? imageSize : preset != null ? Presets.get(preset).sampleSize() : 0;
        try (ImageSource images = DataSpecs.open(data, dataDir, folderSize)) {
            return train(images, settings, changes);
        }
    }

    private int train(ImageSource images, TrainSettings settings, TrainSettings.Changes changes) throws Exception {
        if (resume) { // the run's own architecture, process and settings
            try (Group group = Distributed.join(options)) {
                return train(group, images, null, Trainer.resume(out, images, changes, options.device(), group));
            }
        }
        if (settings.objectiveKind() != Objective.EDM && (given("--sigma-data") || given("--edm-noise"))) {
            throw new UserException((given("--sigma-data") ? "--sigma-data" : "--edm-noise") + " sets EDM's training; add --objective edm");
        }
        SchedulerConfig process = settings.objectiveKind() == Objective.EDM ? edmProcess()
                : recipe().drawnWith(SchedulerConfig.paper().with(given("--schedule") ? schedule : recipe().schedule, timesteps, variance,
                        prediction()).withBetas(betaRange.first(), betaRange.second()));
        String presetName = presetFor(images);
        UNetConfig arch = architecture(presetName, images, process);
        try (Group group = Distributed.join(options)) {
            // every rank takes rank 0's precision: the ranks of a run on several machines may differ in CPU
            int chosen = options.precision(PrecisionRule.Work.TRAINING).ordinal();
            settings = settings.toBuilder().precision(Precision.values()[(int) group.broadcastValue(chosen, 0)]).build();
            return train(group, images, presetName, Trainer.start(out, arch, process, settings, images, options.device(), group));
        }
    }

    private int train(Group group, ImageSource images, String presetName, Trainer started) throws Exception {
        try (Trainer trainer = started) {
            if (resume && given("--layout") && trainer.settings().layout() != layout) {
                throw new UserException("this run writes the " + trainer.settings().layout().configName() + " layout; --layout cannot"
                        + " change on --resume (ddpm4j convert rearranges a finished model)");
            }
            if (!group.isMain()) { // rank 0 reports; the others train in step with it
                trainer.run(new Trainer.Listener() { });
                return 0;
            }
            if (resume) {
                System.err.println("resuming at step " + trainer.step() + " with the run's own settings"
                        + (changes().equals(TrainSettings.Changes.NONE) ? "" : " but --steps, --lr-decay, --flip, --tensorboard, --precision or"
                        + " the --eval options as given"));
                options.sayTraining(trainer.settings().precision(), options.requestedPrecision() == null
                        ? "this run's; --precision changes it" : "as asked; the run keeps it from now on");
            } else {
                options.sayTraining(trainer.settings().precision(), null);
            }
            System.err.printf("training %s on %d images of %dx%dx%d: %,d parameters, %d steps of %d%s, %s, into %s%n",
                    presetName == null ? "the network of " + out : presetName, images.count(), images.height(), images.width(),
                    images.channels(), trainer.emaModel().parameterCount(), trainer.settings().steps(),
                    trainer.settings().batchSize(), group.size() > 1 ? " over " + group.size() + " ranks" : "",
                    trainer.settings().hflip() ? "random flips" : "no flips", out);
            try (TrainProgress progress = new TrainProgress(trainer.settings().steps())) {
                trainer.run(progress);
            }
        }
        System.err.println("done: model in " + out + ", samples in " + out.resolve("samples") + ", loss curve " + out.resolve("loss.png"));
        return 0;
    }

    /** The EDM process --objective edm trains: EDM's σ's, --sigma-data, --prediction; the options of a β process refused. */
    private SchedulerConfig edmProcess() {
        for (String beta : List.of("--schedule", "--timesteps", "--beta-range", "--variance")) {
            if (given(beta)) {
                throw new UserException(beta + " describes a process of β's; --objective edm trains an EDM process");
            }
        }
        try {
            SchedulerConfig process = SchedulerConfig.edm(EdmProcess.defaults().withSigmaData(sigmaData), prediction());
            ddpm4j.diffusion.EdmPreconditioning.of(process); // refuses a prediction EDM does not define, naming it
            return process;
        } catch (IllegalArgumentException e) {
            throw new UserException("--objective edm: " + e.getMessage());
        }
    }

    /** --recipe's recipe (the paper's without it). */
    private Recipe recipe() {
        try {
            return recipe == null ? Recipe.PAPER : Recipe.of(recipe);
        } catch (IllegalArgumentException e) {
            throw new UserException("--recipe: " + e.getMessage());
        }
    }

    /** --prediction, or the recipe's. */
    private Prediction prediction() {
        return given("--prediction") ? prediction : recipe().prediction;
    }

    /** --ema-profiles as numbers. */
    private List<Double> profiles() {
        if (emaProfiles == null) {
            return List.of();
        }
        try {
            return java.util.Arrays.stream(emaProfiles.split(",", -1)).map(v -> Double.valueOf(v.strip())).toList();
        } catch (NumberFormatException e) {
            throw new UserException("--ema-profiles: '" + emaProfiles + "' is not numbers S,S,...");
        }
    }

    /** The settings the options give (flips by the data's default where --[no-]flip is absent). */
    TrainSettings settings() {
        if (!resume && keepBest && evalEvery == 0) {
            throw new UserException("--keep-best keeps the weights that --eval-every scores best; give --eval-every N");
        }
        if (!resume && evalEvery == 0 && (given("--eval-images") || given("--eval-features"))) {
            throw new UserException((given("--eval-images") ? "--eval-images" : "--eval-features") + " sets the evaluations of"
                    + " --eval-every N; give it");
        }
        TrainSettings r = recipe().settings; // where the options below were not given
        String chosen = given("--objective") ? objective : r.objective();
        // the recipe's weighting of the β-process loss does not come along to EDM's objective, which weights by λ(σ)
        Double weighting = minSnrGamma != null ? minSnrGamma : Objective.of(chosen) == Objective.EDM ? null : r.minSnrGamma();
        return TrainSettings.builder().objective(chosen).minSnrGamma(weighting).lossAware(lossAware)
                .lr(given("--lr") ? lr : r.lr()).adamBetas(adamBetas.first(), adamBetas.second()).eps(adamEps)
                .warmup(given("--warmup") ? warmup : r.warmup()).lrDecay(lrDecay).gradClip(gradClip)
                .emaDecay(given("--ema-decay") ? emaDecay : r.emaDecay()).emaWarmup(emaWarmup != null ? emaWarmup : r.emaWarmup())
                .batchSize(batchSize).steps(steps).seed(seed)
                .hflip(flip != null ? flip : DataSpecs.flipsByDefault(data)).checkpointEvery(checkpointEvery).sampleEvery(sampleEvery)
                .sampleCount(samples).sampleSteps(sampleSteps).logEvery(logEvery).labelDropout(classConditional ? labelDropout : 0.0)
                .microBatches(microBatches).tensorboard(tensorboard != null ? tensorboard : TrainSettings.DEFAULTS.tensorboard()).layout(layout)
                .evalEvery(evalEvery).evalImages(evalImages).evalFeatures(evalFeatures).keepBest(keepBest)
                .emaProfiles(profiles(), emaProfiles == null ? 0 : emaSnapshotEvery != null ? emaSnapshotEvery : checkpointEvery)
                .edmNoiseLevels(edmNoise.first(), edmNoise.second()).build();
    }

    /**
     * What --resume changes in the run's saved settings: the options among --steps, --lr-decay, --[no-]flip,
     * --[no-]tensorboard, --precision (other than auto), --eval-every, --eval-images, --eval-features and --keep-best
     * that were given.
     */
    TrainSettings.Changes changes() {
        return new TrainSettings.Changes(given("--steps") ? steps : null, given("--lr-decay") ? lrDecay : null, flip, tensorboard,
                options.requestedPrecision(), given("--eval-every") ? evalEvery : null, given("--eval-images") ? evalImages : null,
                given("--eval-features") ? evalFeatures : null, given("--keep-best") ? Boolean.TRUE : null);
    }

    private boolean given(String option) {
        return spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    /**
     * The defaults of the options that set {@link TrainSettings} and the diffusion process: {@link
     * TrainSettings#DEFAULTS} and {@link SchedulerConfig#paper()}, each written there once.
     */
    static final class Defaults implements CommandLine.IDefaultValueProvider {
        @Override
        public String defaultValue(CommandLine.Model.ArgSpec arg) {
            if (!(arg instanceof CommandLine.Model.OptionSpec option)) {
                return null;
            }
            TrainSettings d = TrainSettings.DEFAULTS;
            SchedulerConfig process = SchedulerConfig.paper();
            return switch (option.longestName()) {
                case "--prediction" -> process.prediction().configName;
                case "--variance" -> process.variance().configName;
                case "--schedule" -> process.betaSchedule().configName;
                case "--timesteps" -> Integer.toString(process.numTrainTimesteps());
                case "--beta-range" -> number(process.betaStart()) + "," + number(process.betaEnd());
                case "--steps" -> Long.toString(d.steps());
                case "--batch-size" -> Integer.toString(d.batchSize());
                case "--lr" -> number(d.lr());
                case "--adam-betas" -> number(d.beta1()) + "," + number(d.beta2());
                case "--adam-eps" -> number(d.eps());
                case "--warmup" -> Long.toString(d.warmup());
                case "--lr-decay" -> Long.toString(d.lrDecay());
                case "--grad-clip" -> number(d.gradClip());
                case "--ema-decay" -> number(d.emaDecay());
                case "--objective" -> d.objective();
                case "--eval-every" -> Long.toString(d.evalEvery());
                case "--eval-images" -> Integer.toString(d.evalImages());
                case "--eval-features" -> d.evalFeatures();
                case "--sigma-data" -> number(EdmProcess.defaults().sigmaData());
                case "--edm-noise" -> number(d.edmPMean()) + "," + number(d.edmPStd());
                case "--seed" -> Long.toString(d.seed());
                case "--checkpoint-every" -> Long.toString(d.checkpointEvery());
                case "--sample-every" -> Long.toString(d.sampleEvery());
                case "--samples" -> Integer.toString(d.sampleCount());
                case "--sample-steps" -> Integer.toString(d.sampleSteps());
                case "--label-dropout" -> number(d.labelDropout());
                case "--log-every" -> Long.toString(d.logEvery());
                case "--micro-batches" -> Integer.toString(d.microBatches());
                case "--layout" -> d.layout().configName();
                default -> null;
            };
        }

        /** 2e-4 rather than 2.0E-4, 1 rather than 1.0. */
        static String number(double v) {
            return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v)
                    : Double.toString(v).replace(".0E", "e").replace("E", "e");
        }
    }

    /** The preset asked for, or the one for the data's shape. */
    private String presetFor(ImageSource images) {
        if (preset != null) {
            return preset;
        }
        return Presets.defaultFor(images.height(), images.width(), images.channels()).orElseThrow(() -> new UserException(
                "choose an architecture with --preset for " + images.height() + "x" + images.width() + "x" + images.channels()
                        + " data (" + String.join(", ", Presets.names()) + ")"));
    }

    private UNetConfig architecture(String name, ImageSource images, SchedulerConfig process) {
        try {
            return Presets.forImages(Presets.get(name), images.height(), images.width(), images.channels(), process.learnedVariance(),
                    dropout, conditioning(images));
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
    }

    /** Class embeddings for the data's classes plus the no-class label, or null. */
    private Integer conditioning(ImageSource images) {
        if (!classConditional) {
            return null;
        }
        if (!images.labelled()) {
            throw new UserException(data + " has no class labels for --class-conditional (IDX label files, CIFAR-10"
                    + " batches or an .npz 'labels' entry)");
        }
        return images.classCount() + 1;
    }
}

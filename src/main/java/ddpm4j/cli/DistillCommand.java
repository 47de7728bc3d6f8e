package ddpm4j.cli;

import ddpm4j.data.DataSpecs;
import ddpm4j.data.ImageSource;
import ddpm4j.dist.Group;
import ddpm4j.io.Model;
import ddpm4j.torch.Precision;
import ddpm4j.torch.PrecisionRule;
import ddpm4j.train.Distiller;
import ddpm4j.train.TrainSettings;
import ddpm4j.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code ddpm4j distill}: a model that samples in a few network passes, distilled from one that needs many. */
@Command(name = "distill", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Distil a model into one that samples in --passes network passes (progressive distillation, Salimans & Ho"
                + " 2022): stages that each halve the steps, from the teacher's DDIM with --teacher-steps down to --passes; each"
                + " stage trains a student (v-prediction, started from its teacher's weights) to do in one DDIM step what its"
                + " teacher does in two. OUT becomes a model directory that `sample --model OUT` draws in --passes passes (DDIMScheduler,"
                + " v-prediction, trailing steps; after `ddpm4j convert`, diffusers loads it); OUT/stages/K holds each stage's run and"
                + " model (K passes). Every stage trains without flips, clips the gradient norm at 1 and keeps its teacher in fp32.",
                "Run the same command again to go on after a stop: finished stages are kept, the running one resumes from its"
                        + " last checkpoint (bit for bit)."})
final class DistillCommand implements Callable<Integer> {
    @Option(names = "--teacher", required = true, paramLabel = "DIR",
            description = "The model to distil: a model directory (a process of β's, unconditional) or the built-in fashion-mnist.")
    Path teacher;

    @Option(names = "--data", required = true, paramLabel = "SPEC",
            description = "The images the teacher was trained on (or like them): a named dataset with split (fashion-mnist:train),"
                    + " a folder of PNG/JPEG, a uint8 .npy/.npz.")
    String data;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where named datasets are looked for first.")
    Path dataDir;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The distilled model directory." + Outputs.CREATES_FOLDERS)
    Path out;

    @Option(names = "--method", paramLabel = "NAME", defaultValue = "progressive",
            description = "progressive (the one so far) (default: ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--passes", paramLabel = "K", defaultValue = "4", description = "Network passes of the final student (default: ${DEFAULT-VALUE}).")
    int passes;

    @Option(names = "--teacher-steps", paramLabel = "N", defaultValue = "64",
            description = "The teacher's DDIM steps the first stage halves: --passes times a power of two, at most the teacher's"
                    + " num_train_timesteps (default: ${DEFAULT-VALUE}).")
    int teacherSteps;

    @Option(names = "--stage-steps", paramLabel = "S", defaultValue = "2000", description = "Training steps per stage (default: ${DEFAULT-VALUE}).")
    long stageSteps;

    @Option(names = "--batch-size", paramLabel = "B", defaultValue = "64", description = "Images per step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--lr", paramLabel = "LR", defaultValue = "2e-4",
            description = "Adam learning rate, falling linearly to zero over each stage (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--ema-decay", paramLabel = "D", defaultValue = "0.999",
            description = "EMA decay of each stage's student, with warm-up (default: ${DEFAULT-VALUE}).")
    double emaDecay;

    @Option(names = "--seed", paramLabel = "K", defaultValue = "0", description = "Seed of data order and noise (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--eval-every", paramLabel = "N", defaultValue = "0",
            description = "Every N steps of a stage, the FID of its student at its passes (as train --eval-every) (default: ${DEFAULT-VALUE}: none).")
    long evalEvery;

    @Option(names = "--eval-images", paramLabel = "N", defaultValue = "1000", description = "Images per evaluation (default: ${DEFAULT-VALUE}).")
    int evalImages;

    @Option(names = "--eval-features", paramLabel = "SPEC", defaultValue = "judge",
            description = "The evaluations' feature network: judge[:DIR] (for 28x28 gray data) or inception[:FILE] (default: ${DEFAULT-VALUE}).")
    String evalFeatures;

    @Option(names = "--keep-best", description = "Keep each stage's best-scoring weights (by --eval-every's FID) as its model and its next stage's teacher.")
    boolean keepBest;

    @Option(names = "--checkpoint-every", paramLabel = "N", defaultValue = "250", description = "Steps between checkpoints (default: ${DEFAULT-VALUE}).")
    long checkpointEvery;

    @Option(names = "--samples", paramLabel = "N", defaultValue = "64", description = "Images per stage's sample grid (default: ${DEFAULT-VALUE}).")
    int samples;

    @Mixin
    Options options;

    @Override
    public Integer call() throws Exception {
        if (!method.equals("progressive")) {
            throw new UserException("--method must be progressive (consistency distillation is not implemented yet), got '" + method + "'");
        }
        Checks.atLeast("--batch-size", batchSize, 1);
        Checks.atLeast("--eval-images", evalImages, 1);
        if (stageSteps < 1) {
            throw new UserException("--stage-steps must be at least 1, got " + stageSteps);
        }
        if (keepBest && evalEvery <= 0) {
            throw new UserException("--keep-best keeps the best-scoring weights: give --eval-every N");
        }
        Distiller.Plan plan;
        try {
            TrainSettings settings = TrainSettings.DEFAULTS.toBuilder().lr(lr).warmup(0).lrDecay(stageSteps).gradClip(1.0)
                    .emaDecay(emaDecay).emaWarmup(true).batchSize(batchSize).seed(seed).hflip(false)
                    .checkpointEvery(checkpointEvery).sampleEvery(0).sampleCount(samples).evalEvery(evalEvery).evalImages(evalImages).evalFeatures(evalFeatures)
                    .keepBest(keepBest).build();
            plan = new Distiller.Plan(teacherSteps, passes, stageSteps, settings);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
        options.apply();
        Outputs.prepare(out.resolve(Distiller.PLAN));
        try (Model t = ModelOption.load(teacher, options.device()); ImageSource images = DataSpecs.open(data, dataDir, t.unet().config().sampleSize());
             Group group = Distributed.join(options)) {
            int chosen = options.precision(PrecisionRule.Work.TRAINING).ordinal(); // every rank takes rank 0's precision
            Precision precision = Precision.values()[(int) group.broadcastValue(chosen, 0)];
            Distiller.Plan withPrecision = new Distiller.Plan(plan.teacherSteps(), plan.passes(), plan.stageSteps(),
                    plan.settings().toBuilder().precision(precision).build());
            try {
                Distiller.checkPlan(t, out, withPrecision);
            } catch (IllegalArgumentException e) {
                throw new UserException(e.getMessage());
            }
            if (group.isMain()) {
                options.sayTraining(precision, null);
                System.err.printf("distilling %s into %d passes: stages %s of %d steps of %d, into %s%n", teacher, passes,
                        plan.stages(), stageSteps, batchSize, out);
            }
            try {
                Distiller.run(t, out, images, withPrecision, new Reports(group.isMain()), options.device(), group);
            } catch (IllegalArgumentException e) {
                throw new UserException(e.getMessage());
            }
            if (group.isMain()) {
                System.err.println("done: " + out + " samples in " + passes + " passes (sample --model " + out + "); stages in "
                        + out.resolve(Distiller.STAGES));
            }
        }
        return 0;
    }

    /** Rank 0's progress: a line per stage and a bar over its steps. */
    private static final class Reports implements Distiller.Listener {
        private final boolean main;
        private TrainProgress bar;

        Reports(boolean main) {
            this.main = main;
        }

        @Override
        public void stage(int index, int count, int passes, long from, long steps) {
            if (main) {
                System.err.printf("stage %d of %d: a student of %d passes%s%n", index + 1, count, passes,
                        from > 0 ? ", resuming at step " + from : "");
                bar = new TrainProgress(steps);
            }
        }

        @Override
        public Trainer.Listener training() {
            return bar != null ? bar : new Trainer.Listener() { };
        }

        @Override
        public void stageDone(int passes) {
            if (bar != null) {
                bar.close();
                bar = null;
            }
        }
    }
}

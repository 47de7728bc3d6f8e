package ddpm4j.cli;

import ddpm4j.io.Images;
import ddpm4j.io.Model;
import ddpm4j.io.ModelDirectory;
import ddpm4j.sample.DenoisingAnimation;
import ddpm4j.sample.NoiseSource;
import ddpm4j.sample.Samplers;
import ddpm4j.sample.StepListener;
import ddpm4j.sample.TracedSampler;
import ddpm4j.train.Checkpoint;
import ddpm4j.train.QuickstartRecipe;
import ddpm4j.train.Trainer;
import ddpm4j.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code ddpm4j quickstart}: train a small model on embedded data, then show what it draws. */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
        description = {"Train a small diffusion model on 8,000 embedded Fashion-MNIST images for a fixed number of steps"
                + " (default " + QuickstartRecipe.STEPS + ", the same model on every machine; at most --minutes), then sample it:"
                + " OUT/samples.png and OUT/denoising.gif.",
                "OUT is a model directory like any other; run again to sample the trained model anew."})
final class QuickstartCommand implements Callable<Integer> {
    @Mixin
    Options options;

    @Option(names = "--out", defaultValue = "quickstart", paramLabel = "DIR",
            description = "Output directory (default: ${DEFAULT-VALUE})." + Outputs.CREATES_FOLDERS)
    Path out;

    @Option(names = "--steps", paramLabel = "N", description = "Training steps of " + QuickstartRecipe.BATCH + " images (default: "
            + QuickstartRecipe.STEPS + ").")
    Integer steps;

    @Option(names = "--minutes", defaultValue = "30", paramLabel = "M",
            description = "Stop training after this long even if the steps are not done (default: ${DEFAULT-VALUE}).")
    double minutes;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "K", description = "Seed of training and sampling (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        if (!(minutes > 0 && minutes <= 24 * 60)) {
            throw new UserException("--minutes must be in (0, 1440], got " + minutes);
        }
        Checks.atLeast("--steps", steps, 1);
        options.apply();
        if (Checkpoint.exists(out)) {
            System.err.println("quickstart: " + out + " already holds a trained model; sampling it (delete the folder to train again)");
        } else {
            train();
        }
        try (Model m = ModelDirectory.load(out).to(options.device())) {
            m.unet().setPrecision(options.precision(ddpm4j.torch.PrecisionRule.Work.SAMPLING));
            TracedSampler sampler = Samplers.forModel(m.scheduler()); // what 'sample --model OUT' draws
            int s = m.unet().config().sampleSize();
            try (PointerScope scope = new PointerScope()) {
                NoiseSource noise = new NoiseSource(seed, 0, 64, 1, s, s);
                float[] x = Tensors.toFloats(sampler.sample(m.unet()::infer, noise.next(m.device()), noise, (d, t) -> { }));
                Images.writeGrid(out.resolve("samples.png"), Images.toUint8Nhwc(x, 64, 1, s, s), 64, s, s, 1, 2);
                NoiseSource gifNoise = new NoiseSource(seed, 1000, 16, 1, s, s);
                Tensor xT = gifNoise.next(m.device());
                DenoisingAnimation.write(out.resolve("denoising.gif"), sampler, m.unet()::infer, xT, gifNoise, 2, StepListener.NONE);
            }
        }
        System.out.println("samples:   " + out.resolve("samples.png").toAbsolutePath());
        System.out.println("animation: " + out.resolve("denoising.gif").toAbsolutePath());
        System.out.println("model:     " + out.toAbsolutePath() + "  (e.g. ./ddpm4j sample --model " + out + " --seed 1 --out more.png)");
        return 0;
    }

    private void train() throws Exception {
        var images = QuickstartRecipe.dataset();
        long deadline = System.nanoTime() + (long) (minutes * 60e9);
        var settings = QuickstartRecipe.settings(seed, steps == null ? QuickstartRecipe.STEPS : steps).toBuilder()
                .precision(options.precision(ddpm4j.torch.PrecisionRule.Work.TRAINING)).build();
        try (Trainer trainer = Trainer.start(out, QuickstartRecipe.architecture(), QuickstartRecipe.process(), settings, images,
                options.device(), ddpm4j.dist.Group.single())) {
            options.sayTraining(trainer.settings().precision(), null);
            long total = trainer.settings().steps();
            System.err.printf("quickstart: training a %,d-parameter model on %,d embedded Fashion-MNIST images for %,d steps"
                    + " (at most %.0f minutes)%n", trainer.emaModel().parameterCount(), images.count(), total, minutes);
            try (TrainProgress progress = new TrainProgress(total)) {
                trainer.run(progress, deadline);
            }
            System.err.printf("quickstart: trained %,d steps (%,d images)%s%n", trainer.step(), trainer.step() * trainer.settings().batchSize(),
                    trainer.step() < total ? ", stopped by --minutes " + minutes : "");
        }
    }
}

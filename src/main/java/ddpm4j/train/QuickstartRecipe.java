package ddpm4j.train;

import ddpm4j.data.Idx;
import ddpm4j.data.ImageSet;
import ddpm4j.nn.Presets;
import ddpm4j.nn.UNetConfig;
import ddpm4j.sample.Samplers;
import ddpm4j.schedule.SchedulerConfig;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * The quickstart: a model that draws recognisable Fashion-MNIST items after {@link #STEPS} steps,
 * a budget in steps so that every machine trains the same model (the Intel machine made 1,615 steps
 * in 12 minutes, the AMD EPYC 815 on one thread). Chosen by measurement (see the README): the
 * {@code quick28} network (one ResBlock per level, attention only at 7×7; 128 img/s against 55 for
 * {@code small28}), batch 64, and {@link Recipe#FAST} (docs/recipes.md): the paper's process with
 * v-prediction and min-SNR-5 weighting, Adam at 1e-3 after 100 warm-up steps, EMA 0.999 with warm-up.
 * The pictures are what {@code sample --model OUT} draws ({@link Samplers#forModel}).
 */
public final class QuickstartRecipe {
    /**
     * The default training steps: what the slowest machine measured (AMD EPYC Zen 3, AVX2, 2 cores, 55
     * img/s) trains within 15 minutes all told (855 s wall for 720 steps, sampling included), and
     * garments under its default sampler (docs/speed.md, docs/recipes.md).
     */
    public static final int STEPS = 720;

    /** The embedded data: the first 8,000 Fashion-MNIST training images (MIT licence, beside it). */
    public static final String DATA = "/ddpm4j/quickstart/fashion-mnist-train-8000-idx3-ubyte.gz";

    private QuickstartRecipe() {
    }

    public static ImageSet dataset() throws IOException {
        try (InputStream in = QuickstartRecipe.class.getResourceAsStream(DATA)) {
            if (in == null) {
                throw new IOException("the embedded quickstart data " + DATA + " is missing from the jar");
            }
            return Idx.readImages(in, Path.of(DATA));
        }
    }

    public static UNetConfig architecture() {
        return Presets.get("quick28");
    }

    /** The paper's process of β's with {@link Recipe#FAST}'s prediction (x̂₀ clipped, as the paper's). */
    public static SchedulerConfig process() {
        SchedulerConfig paper = SchedulerConfig.paper();
        return paper.with(paper.betaSchedule(), paper.numTrainTimesteps(), paper.variance(), Recipe.FAST.prediction);
    }

    /** Settings for {@code steps} training steps. */
    public static TrainSettings settings(long seed, int steps) {
        return Recipe.FAST.settings.toBuilder().batchSize(64).steps(steps).seed(seed)
                .hflip(false).checkpointEvery(200).sampleEvery(0).sampleCount(64).sampleSteps(50).logEvery(25).labelDropout(0.0).build();
    }
}

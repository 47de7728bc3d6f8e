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
 * a budget in steps so that every machine trains the same model. The budget is 46,080 images: what the slowest
 * machine measured (AMD EPYC Zen 3, AVX2, 2 cores, 55 img/s) trained within 15 minutes all told. Chosen by measurement
 * (docs/recipes.md): the {@code quick28} network (one ResBlock per level, attention only at 7×7; 128 img/s against 55
 * for {@code small28}), {@link Recipe#FAST} (v-prediction, min-SNR-5 weighting, cosine β's, Adam 1e-3, EMA 0.999 with
 * warm-up) and batch {@link #BATCH}: at the same images, batch 16 scored judge FID 15.7 where batch 32 scored 17.3 and
 * 18.0 (two seeds) and batch 64 on linear β's 25.0 and 21.9. The pictures are what {@code sample --model OUT} draws
 * ({@link Samplers#forModel}).
 */
public final class QuickstartRecipe {
    /** Images per step. */
    public static final int BATCH = 16;

    /** The default training steps: 46,080 images of {@link #BATCH} (docs/speed.md, docs/recipes.md). */
    public static final int STEPS = 46_080 / BATCH;

    /** Learning-rate warm-up: 6,400 images, as {@link Recipe#FAST}'s 100 steps of 64 (the measured run's). */
    static final int WARMUP = 6_400 / BATCH;

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

    /** {@link Recipe#FAST}'s process (x̂₀ clipped, as the paper's). */
    public static SchedulerConfig process() {
        return Recipe.FAST.process();
    }

    /** Settings for {@code steps} training steps. */
    public static TrainSettings settings(long seed, int steps) {
        return Recipe.FAST.settings.toBuilder().batchSize(BATCH).warmup(WARMUP).steps(steps).seed(seed)
                .hflip(false).checkpointEvery(200).sampleEvery(0).sampleCount(64).sampleSteps(50).logEvery(25).labelDropout(0.0).build();
    }
}

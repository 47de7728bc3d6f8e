package ddpm4j.bench;

import ddpm4j.data.ImageSet;
import ddpm4j.nn.FlopCount;
import ddpm4j.nn.UNetConfig;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.torch.Device;
import ddpm4j.train.TrainSettings;
import ddpm4j.train.Trainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Times training steps of the real trainer (Algorithm 1: a batch, forward, L_simple, backward,
 * clipping, Adam, EMA) on random images, in a temporary run directory that is deleted afterwards.
 */
public final class TrainingBenchmark {
    private TrainingBenchmark() {
    }

    /** {@code iterations} timed steps after {@code warmupSeconds} of untimed ones. */
    public static BenchResult run(String preset, UNetConfig config, int batchSize, double warmupSeconds, int iterations,
                                  Device device, ddpm4j.torch.Precision precision) throws IOException {
        int s = config.sampleSize();
        int count = Math.max(2 * batchSize, 64);
        byte[] pixels = new byte[count * s * s * config.inChannels()];
        new SplittableRandom(0).nextBytes(pixels);
        ImageSet images = new ImageSet(pixels, count, s, s, config.inChannels());
        // the paper's optimisation, with no warm-up, checkpoints, samples or logs in the way of the timed steps
        TrainSettings settings = TrainSettings.builder().warmup(0).batchSize(batchSize).steps(Integer.MAX_VALUE)
                .checkpointEvery(Long.MAX_VALUE).sampleCount(1).sampleSteps(1).logEvery(Long.MAX_VALUE).labelDropout(0.0).precision(precision).build();
        Path dir = Files.createTempDirectory("ddpm4j-bench-");
        try (Trainer trainer = Trainer.start(dir, config, SchedulerConfig.paper(), settings, images, device, ddpm4j.dist.Group.single())) {
            double[] ms = Timing.measure(() -> {
                long start = System.nanoTime();
                trainer.stepOnce();
                device.synchronize();
                return (System.nanoTime() - start) / 1e6;
            }, warmupSeconds, iterations);
            return BenchResult.of(preset, "train", batchSize, ms, 3 * FlopCount.forward(config), trainer.emaModel().parameterCount(),
                    trainer.rawModel().precision());
        } finally {
            ddpm4j.io.FileTrees.delete(dir);
        }
    }
}

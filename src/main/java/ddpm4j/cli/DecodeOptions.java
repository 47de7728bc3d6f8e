package ddpm4j.cli;

import ddpm4j.io.Model;
import ddpm4j.sample.AncestralSampler;
import ddpm4j.sample.Samplers;
import picocli.CommandLine.Option;

/** Options of the figures that decode noised data images with the full reverse process. */
final class DecodeOptions {
    @Option(names = "--seed", defaultValue = "0", paramLabel = "K", description = "Seed of the encoding and decoding noise (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--clip", negatable = true, description = "Clip the predicted x0 to [-1,1] at each step (default: the scheduler's clip_sample).")
    Boolean clip;

    /** Algorithm 2 on all T steps of the model's process. */
    AncestralSampler sampler(Model m) {
        return Samplers.ancestral(clip == null ? m.scheduler() : m.scheduler().withSetting("clip_sample", clip));
    }

    /** Network passes to decode {@code images} images from each 0-based step in {@code steps}. */
    static long work(int[] steps, int images) {
        long total = 0;
        for (int t : steps) {
            total += (long) images * (t + 1);
        }
        return total;
    }
}

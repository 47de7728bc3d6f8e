package ddpm4j.diffusion;

import ddpm4j.io.FloatArray;

import java.util.Map;
import java.util.SplittableRandom;

/** Chooses the training timesteps of a batch, with importance weights that keep the loss unbiased. */
public interface TimestepSampler {
    /**
     * @param t       0-based timesteps, one per image
     * @param weights 1 / (T·p(t)) per image: multiply the loss by it
     */
    record Draw(int[] t, double[] weights) {
    }

    Draw sample(int batch, SplittableRandom random);

    /** Told the per-image losses of the last draw; samplers that adapt use them. */
    default void update(int[] t, double[] losses) {
    }

    /** What an adapting sampler has learned, as named arrays for a checkpoint; empty for one that does not adapt. */
    default Map<String, FloatArray> state() {
        return Map.of();
    }

    /** Continues from what {@link #state()} returned; an empty state (a run started without adapting) changes nothing. */
    default void restore(Map<String, FloatArray> state) {
    }

    /** t uniform on {0, ..., T−1}, all weights 1 (the paper). */
    static TimestepSampler uniform(int steps) {
        return (batch, random) -> {
            int[] t = new int[batch];
            double[] w = new double[batch];
            for (int i = 0; i < batch; i++) {
                t[i] = random.nextInt(steps);
                w[i] = 1;
            }
            return new Draw(t, w);
        };
    }
}

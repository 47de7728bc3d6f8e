package ddpm4j.sample;

import ddpm4j.diffusion.Denoiser;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;

/**
 * Progressive generation (Ho et al. 2020, §4.4, fig. 6): the prediction x̂₀ while sampling, at
 * chosen timesteps: coarse features first, details last.
 */
public final class ProgressiveGeneration {
    /**
     * @param steps   the timesteps shown, in sampling order (the visited steps nearest to those asked for)
     * @param x0      x̂₀ at each shown step: x0[j] holds the batch's images, float32 NCHW
     * @param samples the final samples
     */
    public record Result(int[] steps, float[][] x0, float[] samples) {
    }

    private ProgressiveGeneration() {
    }

    /** The visited timesteps nearest to {@code wanted}, distinct, in sampling order. */
    public static int[] nearestVisited(int[] visited, int[] wanted) {
        return Arrays.stream(wanted).map(w -> {
            int best = visited[0];
            for (int v : visited) {
                if (Math.abs(v - w) < Math.abs(best - w)) {
                    best = v;
                }
            }
            return best;
        }).boxed().distinct().sorted((a, b) -> b - a).mapToInt(Integer::intValue).toArray();
    }

    public static Result run(TracedSampler sampler, Denoiser model, Tensor xT, NoiseSource noise, int[] wanted,
                             StepListener listener) {
        int[] shown = nearestVisited(sampler.timesteps(), wanted);
        float[][] x0 = new float[shown.length][];
        Tensor out = sampler.sample(model, xT, noise, listener, (index, t, next, prediction) -> {
            for (int j = 0; j < shown.length; j++) {
                if (shown[j] == t) {
                    x0[j] = Tensors.toFloats(prediction);
                }
            }
        });
        return new Result(shown, x0, Tensors.toFloats(out));
    }
}

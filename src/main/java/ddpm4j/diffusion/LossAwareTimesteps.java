package ddpm4j.diffusion;

import ddpm4j.io.FloatArray;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Improved DDPM's importance sampling of timesteps: p(t) ∝ √E[L_t²] over the last
 * {@code history} losses seen at each t, mixed with a little of the uniform distribution; uniform
 * until every t has a full history.
 */
public final class LossAwareTimesteps implements TimestepSampler {
    private final int steps;
    private final int history;
    private final double uniformProb;
    private final double[][] losses;
    private final int[] counts;

    public LossAwareTimesteps(int steps, int history, double uniformProb) {
        if (steps < 1 || history < 1 || !(uniformProb > 0 && uniformProb <= 1)) {
            throw new IllegalArgumentException("need steps >= 1, history >= 1 and 0 < uniformProb <= 1");
        }
        this.steps = steps;
        this.history = history;
        this.uniformProb = uniformProb;
        this.losses = new double[steps][history];
        this.counts = new int[steps];
    }

    /** Improved DDPM's settings: 10 losses per step, 0.001 uniform. */
    public LossAwareTimesteps(int steps) {
        this(steps, 10, 0.001);
    }

    /** The current sampling distribution p(t). */
    public double[] probabilities() {
        double[] p = new double[steps];
        if (Arrays.stream(counts).anyMatch(c -> c < history)) {
            Arrays.fill(p, 1.0 / steps);
            return p;
        }
        double sum = 0;
        for (int t = 0; t < steps; t++) {
            double sq = 0;
            for (double l : losses[t]) {
                sq += l * l;
            }
            p[t] = Math.sqrt(sq / history);
            sum += p[t];
        }
        for (int t = 0; t < steps; t++) {
            p[t] = (1 - uniformProb) * p[t] / sum + uniformProb / steps;
        }
        return p;
    }

    @Override
    public Draw sample(int batch, SplittableRandom random) {
        double[] p = probabilities();
        double[] cdf = new double[steps];
        double acc = 0;
        for (int t = 0; t < steps; t++) {
            acc += p[t];
            cdf[t] = acc;
        }
        int[] t = new int[batch];
        double[] w = new double[batch];
        for (int i = 0; i < batch; i++) {
            double u = random.nextDouble() * acc;
            int k = Arrays.binarySearch(cdf, u);
            k = k >= 0 ? k : Math.min(-k - 1, steps - 1);
            t[i] = k;
            w[i] = 1.0 / (steps * p[k]);
        }
        return new Draw(t, w);
    }

    /** {@code history} [T, H]: the last losses seen at each t (float32); {@code counts} [T]: how many of each row are filled. */
    @Override
    public Map<String, FloatArray> state() {
        float[] flat = new float[steps * history];
        float[] filled = new float[steps];
        for (int t = 0; t < steps; t++) {
            for (int k = 0; k < history; k++) {
                flat[t * history + k] = (float) losses[t][k];
            }
            filled[t] = counts[t];
        }
        Map<String, FloatArray> state = new LinkedHashMap<>();
        state.put("history", new FloatArray(new long[] {steps, history}, flat));
        state.put("counts", new FloatArray(new long[] {steps}, filled));
        return state;
    }

    @Override
    public void restore(Map<String, FloatArray> state) {
        FloatArray h = state.get("history");
        FloatArray c = state.get("counts");
        if (h == null && c == null) {
            return;
        }
        if (h == null || c == null || h.shape().length != 2 || h.shape()[0] != steps || c.count() != steps) {
            throw new IllegalArgumentException("the loss history is not one of " + steps + " steps");
        }
        if (h.shape()[1] != history) {
            throw new IllegalArgumentException("the loss history keeps " + h.shape()[1] + " losses per step, not " + history);
        }
        for (int t = 0; t < steps; t++) {
            int filled = (int) c.data()[t];
            if (filled < 0 || filled > history || filled != c.data()[t]) {
                throw new IllegalArgumentException("loss history row " + t + " claims " + c.data()[t] + " of " + history + " entries");
            }
            for (int k = 0; k < history; k++) {
                losses[t][k] = h.data()[t * history + k];
            }
            counts[t] = filled;
        }
    }

    @Override
    public void update(int[] t, double[] batchLosses) {
        for (int i = 0; i < t.length; i++) {
            double[] h = losses[t[i]];
            if (counts[t[i]] == history) {
                System.arraycopy(h, 1, h, 0, history - 1); // drop the oldest
                h[history - 1] = batchLosses[i];
            } else {
                h[counts[t[i]]++] = batchLosses[i];
            }
        }
    }
}

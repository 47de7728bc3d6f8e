package ddpm4j.eval;

import ddpm4j.io.LinePlot;

import java.awt.image.BufferedImage;

/**
 * Progressive lossy compression (Ho et al. 2020, §4.3, Algorithms 3–4, fig. 5): a receiver that
 * holds x_t has been sent the prior term and the bound's terms for x_{T−1}, ..., x_t, and shows
 * x̂₀(x_t). Rate is those bits (per dimension, cumulative), distortion the RMSE of x̂₀ on the
 * [0, 255] scale, both averaged over the images of a {@link BitsPerDim} evaluation.
 *
 * @param t          0-based network timestep of the x_t the receiver holds (paper's t − 1), from T−1 down to 0
 * @param rate       bits/dim received by then
 * @param distortion root mean squared error of x̂₀, [0, 255] scale
 */
public record RateDistortion(int[] t, double[] rate, double[] distortion) {
    /** The curve in decoding order: first x_{T} ... down to x_1 (index 0). */
    public static RateDistortion of(BitsPerDim.Result r) {
        int n = r.total().length;
        int steps = r.terms()[0].length;
        int[] t = new int[steps];
        double[] rate = new double[steps];
        double[] distortion = new double[steps];
        double received = 0;
        for (int k = 0; k < n; k++) {
            received += r.prior()[k] / n;
        }
        for (int j = 0; j < steps; j++) {
            int i = steps - 1 - j;
            double mse = 0;
            for (int k = 0; k < n; k++) {
                mse += r.mse()[k][i] / n;
            }
            t[j] = i;
            rate[j] = received;
            distortion[j] = Math.sqrt(mse) * 127.5; // model space [−1, 1] → [0, 255]
            for (int k = 0; k < n; k++) {
                received += i > 0 ? r.terms()[k][i] / n : 0; // the step to x_{i} (paper) is sent next; L_0 is never sent
            }
        }
        return new RateDistortion(t, rate, distortion);
    }

    /** The paper's figure 5: distortion and rate against the reverse steps, and distortion against rate, side by side. */
    public BufferedImage figure() {
        double[] steps = new double[t.length];
        for (int j = 0; j < steps.length; j++) {
            steps[j] = j;
        }
        String d = "distortion (RMSE, [0,255])";
        String r = "rate (bits/dim)";
        String s = "reverse process steps (T - t)";
        return LinePlot.sideBySide(
                new LinePlot(s, d, 420, 340).withXTicks("#", 90).draw(steps, distortion),
                new LinePlot(s, r, 420, 340).withXTicks("#", 90).draw(steps, rate),
                new LinePlot(r, d, 420, 340).withXTicks("0.##", 90).draw(rate, distortion));
    }
}

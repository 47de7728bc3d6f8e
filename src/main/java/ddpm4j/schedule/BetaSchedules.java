package ddpm4j.schedule;

/**
 * The β schedules of the original code (diffusion_utils_2.get_beta_schedule), of Improved DDPM
 * and of diffusers, in float64, for any number of steps T; {@link BetaSchedule} names them.
 */
public final class BetaSchedules {
    private BetaSchedules() {
    }

    /** β rising linearly from {@code start} to {@code end} (the paper: 1e-4 to 0.02, T = 1000). */
    public static double[] linear(int steps, double start, double end) {
        double[] b = new double[steps];
        for (int i = 0; i < steps; i++) {
            b[i] = steps == 1 ? start : start + (end - start) * i / (steps - 1);
        }
        return b;
    }

    /** √β linear from √start to √end, squared ({@code quad}; diffusers' {@code scaled_linear}). */
    public static double[] quad(int steps, double start, double end) {
        double[] r = linear(steps, Math.sqrt(start), Math.sqrt(end));
        for (int i = 0; i < steps; i++) {
            r[i] *= r[i];
        }
        return r;
    }

    /** β = {@code value} at every step. */
    public static double[] constant(int steps, double value) {
        double[] b = new double[steps];
        java.util.Arrays.fill(b, value);
        return b;
    }

    /** β = 1/T, 1/(T−1), ..., 1 (Sohl-Dickstein et al. 2015). */
    public static double[] jsd(int steps) {
        double[] b = new double[steps];
        for (int i = 0; i < steps; i++) {
            b[i] = 1.0 / (steps - i);
        }
        return b;
    }

    /** β = end, except a linear ramp from start to end over the first {@code fraction}·T steps. */
    public static double[] warmup(int steps, double start, double end, double fraction) {
        double[] b = constant(steps, end);
        int warm = (int) (steps * fraction);
        double[] ramp = linear(warm, start, end);
        System.arraycopy(ramp, 0, b, 0, warm);
        return b;
    }

    /** β = start + (end − start)·sigmoid(u) for u linear on [−6, 6] (GeoDiff; diffusers' {@code sigmoid}). */
    public static double[] sigmoid(int steps, double start, double end) {
        double[] u = linear(steps, -6, 6);
        for (int i = 0; i < steps; i++) {
            u[i] = start + (end - start) / (1 + Math.exp(-u[i]));
        }
        return u;
    }

    /**
     * Nichol &amp; Dhariwal 2021: ᾱ(t) = cos²(((t/T + s)/(1 + s))·π/2), s = 0.008,
     * β_t = 1 − ᾱ(t+1)/ᾱ(t) clipped at 0.999 (diffusers' {@code squaredcos_cap_v2}).
     */
    public static double[] cosine(int steps) {
        double[] b = new double[steps];
        for (int i = 0; i < steps; i++) {
            b[i] = Math.min(1 - cosineAlphaBar((i + 1.0) / steps) / cosineAlphaBar((double) i / steps), 0.999);
        }
        return b;
    }

    static double cosineAlphaBar(double u) {
        double s = 0.008;
        double c = Math.cos((u + s) / (1 + s) * Math.PI / 2);
        return c * c;
    }
}

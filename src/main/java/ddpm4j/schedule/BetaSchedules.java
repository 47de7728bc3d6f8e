package ddpm4j.schedule;

/** The β schedules, in float64. */
public final class BetaSchedules {
    private BetaSchedules() {
    }

    /** β rising linearly from {@code start} to {@code end} over T steps (the paper: 1e-4 to 0.02, T = 1000). */
    public static double[] linear(int steps, double start, double end) {
        double[] b = new double[steps];
        for (int i = 0; i < steps; i++) {
            b[i] = steps == 1 ? start : start + (end - start) * i / (steps - 1);
        }
        return b;
    }

    /** √β linear from √start to √end, squared (diffusers' {@code scaled_linear}). */
    public static double[] scaledLinear(int steps, double start, double end) {
        double[] r = linear(steps, Math.sqrt(start), Math.sqrt(end));
        for (int i = 0; i < steps; i++) {
            r[i] *= r[i];
        }
        return r;
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

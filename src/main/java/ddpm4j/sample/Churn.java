package ddpm4j.sample;

import ddpm4j.schedule.SchedulerConfig;

/**
 * EDM's stochastic step (Karras et al. 2022, Algorithm 2, lines 4–6): before a step at σ with s_tmin ≤ σ ≤ s_tmax,
 * fresh noise raises x to σ̂ = σ(1 + γ), γ = min(s_churn/N, √2 − 1) for N steps, x̂ = x + √(σ̂² − σ²) s_noise z.
 *
 * @param sChurn {@code s_churn}: the total churn; 0 is the deterministic sampler
 * @param sTmin  {@code s_tmin}
 * @param sTmax  {@code s_tmax}
 * @param sNoise {@code s_noise}: the scale of the added noise (slightly above 1 offsets the denoiser's excess smoothing)
 */
record Churn(double sChurn, double sTmin, double sTmax, double sNoise) {
    static final Churn NONE = new Churn(0, 0, Double.POSITIVE_INFINITY, 1);

    Churn {
        if (!(sChurn >= 0 && Double.isFinite(sChurn))) {
            throw new IllegalArgumentException("s_churn must be a non-negative number, got " + sChurn);
        }
        if (!(sNoise >= 0 && Double.isFinite(sNoise))) {
            throw new IllegalArgumentException("s_noise must be a non-negative number, got " + sNoise);
        }
        if (!(sTmin >= 0) || !(sTmax >= sTmin)) {
            throw new IllegalArgumentException("s_tmin and s_tmax must satisfy 0 <= s_tmin <= s_tmax, got " + sTmin + " and " + sTmax);
        }
    }

    /** The churn {@code c} asks for: its {@code s_churn}, {@code s_tmin}, {@code s_tmax} and {@code s_noise}, or none where the scheduler has no such keys. */
    static Churn of(SchedulerConfig c) {
        return c.has("s_churn") ? new Churn(c.number("s_churn"), c.number("s_tmin"), c.number("s_tmax"), c.number("s_noise")) : NONE;
    }

    /** σ̂ for a step at σ of a loop of {@code steps} steps: σ itself where no churn applies. */
    double sigmaHat(double sigma, int steps) {
        if (sChurn == 0 || sigma < sTmin || sigma > sTmax) {
            return sigma;
        }
        return sigma * (1 + Math.min(sChurn / steps, Math.sqrt(2) - 1));
    }
}

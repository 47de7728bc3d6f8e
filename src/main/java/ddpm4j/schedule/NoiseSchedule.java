package ddpm4j.schedule;

/**
 * A β schedule and the tables derived from it (Ho et al. 2020, §2), all in float64. Index i is the
 * paper's timestep t = i + 1; the network is conditioned on i, as in the original code.
 */
public final class NoiseSchedule {
    private final double[] betas;
    private final double[] alphaBar;
    private final double[] alphaBarPrev;
    private final double[] posteriorVariance;
    private final double[] posteriorLogVarianceClipped;
    private final double[] posteriorMeanCoef1;
    private final double[] posteriorMeanCoef2;

    public NoiseSchedule(double[] betas) {
        if (betas.length == 0) {
            throw new IllegalArgumentException("a schedule needs at least one step");
        }
        for (double b : betas) {
            if (!(b > 0 && b <= 1)) {
                throw new IllegalArgumentException("every beta must be in (0, 1], got " + b);
            }
        }
        int n = betas.length;
        this.betas = betas.clone();
        alphaBar = new double[n];
        alphaBarPrev = new double[n];
        posteriorVariance = new double[n];
        posteriorLogVarianceClipped = new double[n];
        posteriorMeanCoef1 = new double[n];
        posteriorMeanCoef2 = new double[n];
        double prod = 1;
        for (int i = 0; i < n; i++) {
            alphaBarPrev[i] = prod;
            prod *= 1 - betas[i];
            alphaBar[i] = prod;
        }
        for (int i = 0; i < n; i++) {
            double alpha = 1 - betas[i];
            // eq. 7: β̃_t = (1 − ᾱ_{t−1}) / (1 − ᾱ_t) · β_t
            posteriorVariance[i] = betas[i] * (1 - alphaBarPrev[i]) / (1 - alphaBar[i]);
            // eq. 7: μ̃ = √ᾱ_{t−1} β_t / (1 − ᾱ_t) · x₀ + √α_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t) · x_t
            posteriorMeanCoef1[i] = betas[i] * Math.sqrt(alphaBarPrev[i]) / (1 - alphaBar[i]);
            posteriorMeanCoef2[i] = (1 - alphaBarPrev[i]) * Math.sqrt(alpha) / (1 - alphaBar[i]);
        }
        for (int i = 0; i < n; i++) {
            // β̃ is 0 at the first step: the original uses log of [β̃₁, β̃₁, β̃₂, ...]
            posteriorLogVarianceClipped[i] = Math.log(posteriorVariance[i == 0 && n > 1 ? 1 : i]);
        }
    }

    /**
     * The schedule of only the steps {@code kept} (ascending): β'_i = 1 − ᾱ_{k_i} / ᾱ_{k_{i−1}}, so
     * ᾱ'_i = ᾱ_{k_i} (Nichol & Dhariwal 2021, §4). Step i of the result stands for step k_i here.
     */
    public NoiseSchedule respaced(int[] kept) {
        double[] b = new double[kept.length];
        double previous = 1;
        for (int i = 0; i < kept.length; i++) {
            if (kept[i] < 0 || kept[i] >= steps() || (i > 0 && kept[i] <= kept[i - 1])) {
                throw new IllegalArgumentException("kept steps must ascend within [0, " + steps() + "), got step " + kept[i]);
            }
            b[i] = 1 - alphaBar[kept[i]] / previous;
            previous = alphaBar[kept[i]];
        }
        return new NoiseSchedule(b);
    }

    /** Number of diffusion steps T. */
    public int steps() {
        return betas.length;
    }

    public double beta(int i) {
        return betas[i];
    }

    /** ᾱ_t = Π_{s≤t} (1 − β_s). */
    public double alphaBar(int i) {
        return alphaBar[i];
    }

    /** ᾱ_{t−1}, 1 at the first step. */
    public double alphaBarPrev(int i) {
        return alphaBarPrev[i];
    }

    public double sqrtAlphaBar(int i) {
        return Math.sqrt(alphaBar[i]);
    }

    public double sqrtOneMinusAlphaBar(int i) {
        return Math.sqrt(1 - alphaBar[i]);
    }

    public double logOneMinusAlphaBar(int i) {
        return Math.log(1 - alphaBar[i]);
    }

    /** √(1/ᾱ_t). */
    public double sqrtRecipAlphaBar(int i) {
        return Math.sqrt(1 / alphaBar[i]);
    }

    /** √(1/ᾱ_t − 1). */
    public double sqrtRecipM1AlphaBar(int i) {
        return Math.sqrt(1 / alphaBar[i] - 1);
    }

    /** β̃_t (eq. 7). */
    public double posteriorVariance(int i) {
        return posteriorVariance[i];
    }

    /** log β̃_t with the first entry replaced by log β̃ of the second step. */
    public double posteriorLogVarianceClipped(int i) {
        return posteriorLogVarianceClipped[i];
    }

    public double posteriorMeanCoef1(int i) {
        return posteriorMeanCoef1[i];
    }

    public double posteriorMeanCoef2(int i) {
        return posteriorMeanCoef2[i];
    }

    public double[] betas() {
        return betas.clone();
    }
}

package ddpm4j.sample;

import ddpm4j.diffusion.Denoiser;
import ddpm4j.diffusion.GaussianDiffusion;
import ddpm4j.schedule.NoiseSchedule;
import ddpm4j.schedule.Spacing;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;

/**
 * DPM-Solver++ (Lu et al. 2022, arXiv 2211.01095), multistep, order 1 or 2: diffusers'
 * {@code DPMSolverMultistepScheduler} with {@code algorithm_type="dpmsolver++"}. It integrates the
 * probability-flow ODE in λ = log(α/σ) with the network's x̂₀, reusing the previous step's x̂₀ for the
 * second order, so each step costs one network pass. Order 1 is DDIM (η = 0).
 *
 * <p>With σ_i = √((1 − ᾱ)/ᾱ) at the visited timesteps, α = 1/√(1 + σ²), σ_t = σα and h = λ_next − λ_i:
 * x_next = (σ_next/σ_i) x − α_next(e^{−h} − 1) D0 − ½ α_next(e^{−h} − 1) D1 (midpoint), with D0 the
 * current x̂₀ and D1 = (D0 − x̂₀_prev)/r, r = h_prev/h. The first step has no history (order 1); the
 * last is order 1 when the final σ is zero or {@code lowerOrderFinal} holds with fewer than 15 steps.
 */
public final class DpmSolverMultistepSampler implements TracedSampler {
    /** How the second-order term is formed (diffusers' {@code solver_type}). */
    public enum SolverType { MIDPOINT, HEUN }

    /** The σ after the last step (diffusers' {@code final_sigmas_type}): 0 (denoise fully) or σ at t = 0. */
    public enum FinalSigma { ZERO, SIGMA_MIN }

    private final GaussianDiffusion diffusion;
    private final int[] timesteps;
    private final int order;
    private final SolverType solverType;
    private final boolean lowerOrderFinal;
    private final FinalSigma finalSigma;

    /**
     * @param steps   network passes
     * @param spacing which training steps are visited, as diffusers' DPM-Solver spaces them
     * @param order   1 or 2 (diffusers' {@code solver_order})
     */
    public DpmSolverMultistepSampler(GaussianDiffusion diffusion, int steps, Spacing spacing, int order, SolverType solverType,
                                     boolean lowerOrderFinal, FinalSigma finalSigma) {
        if (order < 1 || order > 2) {
            throw new IllegalArgumentException("DPM-Solver++ here has solver_order 1 or 2, got " + order);
        }
        this.diffusion = diffusion;
        this.timesteps = timesteps(diffusion.schedule().steps(), steps, spacing);
        this.order = order;
        this.solverType = solverType;
        this.lowerOrderFinal = lowerOrderFinal;
        this.finalSigma = finalSigma;
    }

    /**
     * The training steps DPM-Solver visits, descending, as diffusers' {@code set_timesteps}:
     * linspace round(linspace(0, T−1, S+1)) without 0, leading (0..S)·⌊T/(S+1)⌋ without 0, trailing
     * round(T − k·T/S) − 1.
     */
    static int[] timesteps(int trainSteps, int steps, Spacing spacing) {
        if (steps < 1 || steps > trainSteps) {
            throw new IllegalArgumentException("steps must be in [1, " + trainSteps + "], got " + steps);
        }
        int[] out = new int[steps];
        for (int k = 0; k < steps; k++) {
            out[k] = switch (spacing) {
                case LINSPACE -> (int) Math.rint((trainSteps - 1) * (double) (steps - k) / steps);
                case LEADING -> (steps - k) * (trainSteps / (steps + 1));
                case TRAILING -> (int) Math.rint(trainSteps - k * (double) trainSteps / steps) - 1;
            };
        }
        return out;
    }

    @Override
    public int[] timesteps() {
        return timesteps.clone();
    }

    @Override
    public int steps() {
        return timesteps.length;
    }

    @Override
    public Tensor sample(Denoiser model, Tensor xT, NoiseSource noise, StepListener listener) {
        return sample(model, xT, noise, listener, Trajectory.NONE);
    }

    @Override
    public Tensor sample(Denoiser model, Tensor xT, NoiseSource noise, StepListener listener, Trajectory trajectory) {
        int n = timesteps.length;
        double[] sigmas = sigmas();
        int batch = (int) xT.size(0);
        Tensor[] previous = new Tensor[1]; // x̂₀ of the step before, kept across the loop's scopes
        try {
            return ReverseLoop.run(xT, n, (i, x) -> {
                GaussianDiffusion.Output p = diffusion.pMeanVariance(model, x, GaussianDiffusion.fill(batch, timesteps[i]), false, 1.0);
                Tensor x0 = p.start();
                boolean last = i == n - 1;
                boolean firstOrder = order == 1 || i == 0 || last && (finalSigma == FinalSigma.ZERO || lowerOrderFinal && n < 15);
                Tensor next = firstOrder ? firstOrder(x, x0, sigmas[i], sigmas[i + 1])
                        : secondOrder(x, x0, previous[0], sigmas[i - 1], sigmas[i], sigmas[i + 1]);
                trajectory.step(i, timesteps[i], next, x0);
                if (previous[0] != null) {
                    previous[0].releaseReference();
                }
                x0.retainReference();
                previous[0] = x0;
                return next;
            }, listener);
        } finally {
            if (previous[0] != null) {
                previous[0].releaseReference();
            }
        }
    }

    /** σ = √((1 − ᾱ)/ᾱ) at each visited step, then the final σ. */
    double[] sigmas() {
        NoiseSchedule s = diffusion.schedule();
        double[] out = new double[timesteps.length + 1];
        for (int i = 0; i < timesteps.length; i++) {
            out[i] = sigma(s, timesteps[i]);
        }
        out[timesteps.length] = finalSigma == FinalSigma.ZERO ? 0 : sigma(s, 0);
        return out;
    }

    private static double sigma(NoiseSchedule s, int t) {
        return Math.sqrt((1 - s.alphaBar(t)) / s.alphaBar(t));
    }

    private static double alpha(double sigma) {
        return 1 / Math.sqrt(sigma * sigma + 1);
    }

    private static double lambda(double sigma) { // log α − log σ_t with σ_t = σα: −log σ
        return -Math.log(sigma);
    }

    /** DDIM in λ: x_next = (σ_next/σ_s) x − α_next(e^{−h} − 1) x̂₀. */
    private static Tensor firstOrder(Tensor x, Tensor x0, double sigmaS, double sigmaNext) {
        double h = lambda(sigmaNext) - lambda(sigmaS);
        double alphaNext = alpha(sigmaNext);
        double ratio = sigmaNext * alphaNext / (sigmaS * alpha(sigmaS));
        return x.mul(new Scalar(ratio)).sub(x0.mul(new Scalar(alphaNext * Math.expm1(-h))));
    }

    /** The multistep second-order update from x̂₀ now (m0) and at the step before (m1). */
    private Tensor secondOrder(Tensor x, Tensor m0, Tensor m1, double sigmaPrev, double sigmaS, double sigmaNext) {
        double h = lambda(sigmaNext) - lambda(sigmaS);
        double h0 = lambda(sigmaS) - lambda(sigmaPrev);
        double r0 = h0 / h;
        double alphaNext = alpha(sigmaNext);
        double e = Math.expm1(-h); // e^{−h} − 1
        Tensor d1 = m0.sub(m1).mul(new Scalar(1 / r0));
        Tensor next = firstOrder(x, m0, sigmaS, sigmaNext); // the D0 terms
        return solverType == SolverType.MIDPOINT
                ? next.sub(d1.mul(new Scalar(0.5 * alphaNext * e)))
                : next.add(d1.mul(new Scalar(alphaNext * (e / h + 1))));
    }

    @Override
    public String toString() {
        return "DPM-Solver++ order " + order + " (" + solverType.name().toLowerCase(java.util.Locale.ROOT) + "), "
                + timesteps.length + " steps " + Arrays.toString(timesteps);
    }
}

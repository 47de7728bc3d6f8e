package ddpm4j.train;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

/**
 * EDM2's power-function EMA (Karras et al. 2024, section 3.1 and appendix C): the average of the weights θ(τ) over
 * τ ≤ t with weight ∝ τ^γ, kept by θ̂ ← β θ̂ + (1 − β) θ with β = (1 − 1/t)^{γ+1} at update t, and described by its
 * relative standard deviation σ_rel (its width over its length). Snapshots of two such averages taken during
 * training are combined after training into the average of any other σ_rel at any snapshot's step, by least squares
 * on the profiles ({@link #coefficients}).
 */
public final class PowerEma {
    /** The γ where σ_rel(γ) peaks (γ² + 3γ + 1 = 0): below it, two γ share a σ_rel. */
    private static final double GAMMA_AT_PEAK = (Math.sqrt(5) - 3) / 2;
    /** The largest σ_rel, 0.3003: the widest power-function average. */
    public static final double MAX_SIGMA_REL = sigmaRel(GAMMA_AT_PEAK);

    private PowerEma() {
    }

    /** σ_rel = √(γ + 1) / ((γ + 2) √(γ + 3)): the width of the profile τ^γ on [0, t] relative to t. */
    public static double sigmaRel(double gamma) {
        return Math.sqrt(gamma + 1) / ((gamma + 2) * Math.sqrt(gamma + 3));
    }

    /**
     * The γ of σ_rel: the root of σ_rel² (γ + 2)² (γ + 3) = γ + 1 on the branch γ ≥ (√5 − 3)/2 ≈ −0.38, where σ_rel(γ)
     * falls from {@link #MAX_SIGMA_REL} to 0 (EDM2 takes the largest real root of the same cubic), by bisection.
     *
     * @throws IllegalArgumentException for σ_rel outside (0, {@link #MAX_SIGMA_REL}]
     */
    public static double gamma(double sigmaRel) {
        double lo = GAMMA_AT_PEAK;
        if (!(sigmaRel > 0 && sigmaRel <= MAX_SIGMA_REL)) {
            throw new IllegalArgumentException("sigma_rel must be in (0, " + (float) MAX_SIGMA_REL + "], got " + sigmaRel);
        }
        double hi = 1;
        while (sigmaRel(hi) > sigmaRel) {
            hi *= 2;
        }
        for (int i = 0; i < 200; i++) {
            double mid = (lo + hi) / 2;
            if (sigmaRel(mid) > sigmaRel) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return (lo + hi) / 2;
    }

    /** β of update t (t = 1, 2, …): (1 − 1/t)^{γ+1}; the first update takes the weights themselves. */
    public static double beta(double gamma, long t) {
        return Math.pow(1 - 1.0 / t, gamma + 1);
    }

    /**
     * ∫₀^∞ p_i(τ) p_j(τ) dτ for the profiles p(τ) = (γ + 1) τ^γ / t^{γ+1} on [0, t] (0 after t):
     * (γ_i + 1)(γ_j + 1) m^{γ_i+γ_j+1} / ((γ_i + γ_j + 1) t_i^{γ_i+1} t_j^{γ_j+1}), m = min(t_i, t_j), computed with
     * ratios so that the powers stay finite.
     */
    static double dot(double gi, double ti, double gj, double tj) {
        double m = Math.min(ti, tj);
        // written with ratios: m^{a+b+1}/(t_i^{a+1} t_j^{b+1}) = (m/t_i)^{a+1} (m/t_j)^{b+1} / m
        return (gi + 1) * (gj + 1) / (gi + gj + 1) * Math.pow(m / ti, gi + 1) * Math.pow(m / tj, gj + 1) / m;
    }

    /**
     * The coefficients x of the snapshots (profile γ_k at step t_k) whose combination Σ x_k p_k is nearest, in L2,
     * to the profile of γ at step t: the solution of the normal equations A x = b, A_kl = ⟨p_k, p_l⟩, b_k = ⟨p_k, p⟩
     * (EDM2's solve_posthoc_coefficients), solved with a pseudo-inverse, since snapshots close in step are nearly
     * dependent.
     */
    public static double[] coefficients(double[] gammas, long[] steps, double gamma, long step) {
        int n = gammas.length;
        if (steps.length != n || n == 0) {
            throw new IllegalArgumentException("one step per snapshot, at least one snapshot");
        }
        DMatrixRMaj a = new DMatrixRMaj(n, n);
        DMatrixRMaj b = new DMatrixRMaj(n, 1);
        for (int k = 0; k < n; k++) {
            for (int l = 0; l < n; l++) {
                a.set(k, l, dot(gammas[k], steps[k], gammas[l], steps[l]));
            }
            b.set(k, 0, dot(gammas[k], steps[k], gamma, step));
        }
        LinearSolverDense<DMatrixRMaj> solver = LinearSolverFactory_DDRM.pseudoInverse(true);
        if (!solver.setA(a)) {
            throw new IllegalStateException("the snapshots' Gram matrix is degenerate");
        }
        DMatrixRMaj x = new DMatrixRMaj(n, 1);
        solver.solve(b, x);
        return x.getData().clone();
    }

    /** The L2 distance between Σ x_k p_k and the target profile, relative to the target's norm: how well it is reached. */
    public static double relativeError(double[] gammas, long[] steps, double[] x, double gamma, long step) {
        double err = dot(gamma, step, gamma, step);
        for (int k = 0; k < x.length; k++) {
            err -= 2 * x[k] * dot(gammas[k], steps[k], gamma, step);
            for (int l = 0; l < x.length; l++) {
                err += x[k] * x[l] * dot(gammas[k], steps[k], gammas[l], steps[l]);
            }
        }
        return Math.sqrt(Math.max(err, 0) / dot(gamma, step, gamma, step));
    }

}

package ddpm4j.sample;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * The DPM-Solver update of order 1, 2 or 3, once for the multistep and the singlestep solvers (and DEIS's
 * first order): x at σ_s moved to σ_t along the model output's expansion in λ = log(α/σ), h = λ_t − λ_s (Lu et al.
 * 2022, DPM-Solver eqs. 3.7–3.9 with diffusers' {@code dpm_solver_first/second/third_order_update}; DPM-Solver++
 * (Lu et al. 2022b) for the data-prediction variants). The solvers differ only in where the expansion is taken and
 * how they form the divided differences, which they pass in.
 */
final class DpmSolverStep {
    /** diffusers' {@code algorithm_type}: what the outputs predict and whether noise is added. */
    public enum Algorithm {
        DPMSOLVER_PP("dpmsolver++"), DPMSOLVER("dpmsolver"), SDE_DPMSOLVER_PP("sde-dpmsolver++"), SDE_DPMSOLVER("sde-dpmsolver");

        final String key;

        Algorithm(String key) {
            this.key = key;
        }

        /** Whether it integrates x̂₀ (the ++ variants) rather than ε̂. */
        boolean data() {
            return this == DPMSOLVER_PP || this == SDE_DPMSOLVER_PP;
        }

        boolean sde() {
            return this == SDE_DPMSOLVER_PP || this == SDE_DPMSOLVER;
        }

        static Algorithm of(String key) {
            for (Algorithm a : values()) {
                if (a.key.equals(key)) {
                    return a;
                }
            }
            throw new IllegalArgumentException("'algorithm_type' has unsupported value '" + key + "'");
        }
    }

    private DpmSolverStep() {
    }

    /**
     * The order a multistep solver of {@code order} takes after {@code taken} steps of this run (DPM-Solver,
     * DEIS): lower while fewer earlier outputs exist (min(taken, order) of them), and where the final steps ask for it.
     */
    static int multistepOrder(int order, int taken, boolean lowerFinal, boolean lowerSecond) {
        int earlier = Math.min(taken, order);
        return order == 1 || earlier < 1 || lowerFinal ? 1 : order == 2 || earlier < 2 || lowerSecond ? 2 : 3;
    }

    /**
     * @param algorithm what the outputs predict (x̂₀ for the ++ variants, ε̂ otherwise) and whether noise is added
     * @param order     1, 2 or 3 (the SDE variants: 1 or 2)
     * @param midpoint  diffusers' {@code solver_type} "midpoint" (else "heun"): the second-order coefficient
     * @param x         the sample at σ_s
     * @param m         the output at σ_s
     * @param d1        the first divided difference in λ, scaled by h (order 2 and 3), else null
     * @param d2        the second (order 3), or null: a third-order step without it (singlestep midpoint)
     * @param z         standard normal noise for the SDE variants, else null
     */
    static Tensor update(Algorithm algorithm, int order, boolean midpoint, Tensor x, double sigmaS, double sigmaT,
                         Tensor m, Tensor d1, Tensor d2, Tensor z) {
        double aT = SigmaSpace.alpha(sigmaT);
        double aS = SigmaSpace.alpha(sigmaS);
        double sigT = sigmaT * aT; // σ_t of the variance-preserving process
        double sigS = sigmaS * aS;
        double h = SigmaSpace.lambda(sigmaT) - SigmaSpace.lambda(sigmaS);
        double em = Math.expm1(-h); // e^{−h} − 1
        double ep = Math.expm1(h);  // e^{h} − 1
        double e2 = -Math.expm1(-2 * h); // 1 − e^{−2h}
        boolean third = order == 3 && d2 != null;
        return switch (algorithm) {
            case DPMSOLVER_PP -> {
                Tensor out = lin(x, sigT / sigS, m, -aT * em);
                if (order == 2) {
                    out = out.add(d1.mul(new Scalar(midpoint ? -0.5 * aT * em : aT * (em / h + 1))));
                } else if (order == 3) {
                    out = out.add(d1.mul(new Scalar(aT * (em / h + 1))));
                    if (third) {
                        out = out.sub(d2.mul(new Scalar(aT * ((em + h) / (h * h) - 0.5))));
                    }
                }
                yield out;
            }
            case DPMSOLVER -> {
                Tensor out = lin(x, aT / aS, m, -sigT * ep);
                if (order == 2) {
                    out = out.sub(d1.mul(new Scalar(midpoint ? 0.5 * sigT * ep : sigT * (ep / h - 1))));
                } else if (order == 3) {
                    out = out.sub(d1.mul(new Scalar(sigT * (ep / h - 1))));
                    if (third) {
                        out = out.sub(d2.mul(new Scalar(sigT * ((ep - h) / (h * h) - 0.5))));
                    }
                }
                yield out;
            }
            case SDE_DPMSOLVER_PP -> {
                Tensor out = lin(x, sigT / sigS * Math.exp(-h), m, aT * e2);
                if (order == 2) {
                    out = out.add(d1.mul(new Scalar(midpoint ? 0.5 * aT * e2 : aT * (e2 / (-2 * h) + 1))));
                }
                yield out.add(z.mul(new Scalar(sigT * Math.sqrt(e2))));
            }
            case SDE_DPMSOLVER -> {
                Tensor out = lin(x, aT / aS, m, -2 * sigT * ep);
                if (order == 2) {
                    out = out.sub(d1.mul(new Scalar(midpoint ? sigT * ep : 2 * sigT * (ep / h - 1))));
                }
                yield out.add(z.mul(new Scalar(sigT * Math.sqrt(Math.expm1(2 * h)))));
            }
        };
    }

    /** a·x + b·m. */
    private static Tensor lin(Tensor x, double a, Tensor m, double b) {
        return x.mul(new Scalar(a)).add(m.mul(new Scalar(b)));
    }
}

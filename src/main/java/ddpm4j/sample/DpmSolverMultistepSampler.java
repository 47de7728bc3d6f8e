package ddpm4j.sample;

import ddpm4j.diffusion.Clipping;
import ddpm4j.diffusion.Denoiser;
import ddpm4j.diffusion.GaussianDiffusion;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.schedule.Spacing;
import ddpm4j.torch.Device;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;

/**
 * DPM-Solver (Lu et al. 2022, arXiv 2206.00927) and DPM-Solver++ (arXiv 2211.01095), multistep, orders
 * 1–3, as diffusers' {@code DPMSolverMultistepScheduler}: the probability-flow ODE (or, for the
 * {@code sde-} variants, the reverse SDE) integrated in λ = log(α_t/σ_t) with one network pass per step,
 * the earlier steps' outputs giving the higher orders. The ++ variants integrate x̂₀, the others ε̂.
 * Order 1 of dpmsolver++ is DDIM (η = 0).
 *
 * <p>With h = λ_next − λ_s and D0 = the current output: dpmsolver++ order 1 is
 * x_next = (σ_next/σ_s) x − α_next(e^{−h} − 1) D0; the higher orders add the divided differences D1, D2 of
 * the outputs (midpoint or Heun form for order 2).
 */
public final class DpmSolverMultistepSampler extends SigmaGridSampler {
    /** diffusers' {@code algorithm_type}. */
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

    /** How the second-order term is formed (diffusers' {@code solver_type}). */
    public enum SolverType { MIDPOINT, HEUN }

    private final int order;
    private final Algorithm algorithm;
    private final SolverType solverType;
    private final boolean lowerOrderFinal;
    private final boolean eulerAtFinal;
    private final boolean finalZero;
    private final Clipping clipping;

    private DpmSolverMultistepSampler(SigmaSpace space, int[] timesteps, double[] sigmas, int order, Algorithm algorithm,
                                      SolverType solverType, boolean lowerOrderFinal, boolean eulerAtFinal, boolean finalZero,
                                      Clipping clipping) {
        super(space, timesteps, sigmas);
        this.order = order;
        this.algorithm = algorithm;
        this.solverType = solverType;
        this.lowerOrderFinal = lowerOrderFinal;
        this.eulerAtFinal = eulerAtFinal;
        this.finalZero = finalZero;
        this.clipping = clipping;
    }

    /** The sampler a DPMSolverMultistepScheduler configuration describes with {@code steps} steps. */
    static DpmSolverMultistepSampler of(SchedulerConfig c, GaussianDiffusion diffusion, int steps, Clipping clipping) {
        SigmaSpace space = new SigmaSpace(diffusion, c.className());
        Algorithm algorithm = Algorithm.of(c.text("algorithm_type").equals("deis") ? "dpmsolver++" : c.text("algorithm_type"));
        int order = c.integer("solver_order");
        if (algorithm.sde() && order == 3) {
            throw new IllegalArgumentException("'solver_order' 3 is not defined for algorithm_type '" + algorithm.key + "' (1 or 2)");
        }
        boolean zero = c.text("final_sigmas_type").equals("zero");
        if (zero && !algorithm.data()) {
            throw new IllegalArgumentException("'final_sigmas_type' 'zero' is not defined for algorithm_type '" + algorithm.key
                    + "' (use sigma_min)");
        }
        double[] trainSigmas = space.trainingSigmas();
        int total = trainSigmas.length;
        int last = total - clippedSteps(trainSigmas, c.number("lambda_min_clipped"));
        int[] ts = timesteps(total, last, steps, Spacing.of(c.text("timestep_spacing")), c.integer("steps_offset"));
        double[] sig = SigmaSpace.withFinal(SigmaSpace.discreteSigmas(trainSigmas, ts, SigmaSpace.Spread.of(c)),
                zero ? 0 : SigmaSpace.f32(trainSigmas[0]));
        return new DpmSolverMultistepSampler(space, ts, sig, order, algorithm,
                c.text("solver_type").equals("heun") ? SolverType.HEUN : SolverType.MIDPOINT, c.bool("lower_order_final"),
                c.bool("euler_at_final"), zero, clipping);
    }

    /** How many of the steps with the smallest λ fall below {@code lambdaMin} (diffusers' {@code lambda_min_clipped}). */
    static int clippedSteps(double[] trainSigmas, double lambdaMin) {
        int n = 0;
        for (double s : trainSigmas) {
            if (SigmaSpace.lambda(s) < lambdaMin) {
                n++;
            }
        }
        return n;
    }

    /**
     * The training steps DPM-Solver visits, descending, as diffusers' {@code set_timesteps} with the
     * schedule cut at {@code last}: linspace round(linspace(0, last−1, S+1)) without 0, leading
     * (0..S)·⌊last/(S+1)⌋ without 0 plus the offset, trailing round(last − k·T/S) − 1.
     */
    static int[] timesteps(int trainSteps, int last, int steps, Spacing spacing, int offset) {
        return spaced(trainSteps, last, steps, spacing, offset);
    }

    /** {@link #timesteps} with the spacing and offset of {@code c} over all T steps (UniPC, DEIS). */
    static int[] timesteps(SchedulerConfig c, int trainSteps, int steps) {
        return spaced(trainSteps, trainSteps, steps, Spacing.of(c.text("timestep_spacing")), c.integer("steps_offset"));
    }

    private static int[] spaced(int trainSteps, int last, int steps, Spacing spacing, int offset) {
        if (steps < 1 || steps > trainSteps) {
            throw new IllegalArgumentException("steps must be in [1, " + trainSteps + "], got " + steps);
        }
        int[] out = new int[steps];
        for (int k = 0; k < steps; k++) {
            out[k] = switch (spacing) {
                case LINSPACE -> (int) Math.rint((last - 1) * (double) (steps - k) / steps);
                case LEADING -> (steps - k) * (last / (steps + 1)) + offset;
                case TRAILING -> (int) Math.rint(last - k * (double) trainSteps / steps) - 1;
            };
        }
        return out;
    }

    @Override
    public Tensor sample(Denoiser model, Tensor xT, int start, NoiseSource noise, StepListener listener, Trajectory trajectory) {
        TracedSampler.checkStart(start, timesteps.length);
        int n = timesteps.length;
        return ReverseLoop.run(xT, start, n, (i, x, carry) -> {
                Carry.History history = carry.history("outputs", order);
                Tensor predicted = space.predict(model, x, timesteps[i]);
                Tensor x0 = clipping.apply(space.start(predicted, x, sigmas[i]));
                history.push(algorithm.data() ? x0 : space.converted(predicted, x, sigmas[i], clipping, false));
                Tensor z = algorithm.sde() ? noise.next(Device.of(x)) : null;
                boolean lowerFinal = i == n - 1 && (eulerAtFinal || lowerOrderFinal && n < 15 || finalZero);
                boolean lowerSecond = i == n - 2 && lowerOrderFinal && n < 15;
                // a repeated timestep (many steps, linspace) has no divided difference
                int use = Math.min(multistepOrder(order, i - start, lowerFinal, lowerSecond), distinctSigmas(i));
                Tensor next = update(use, history, x, i, z);
                trajectory.step(i, timesteps[i], next, x0);
                return next;
            }, listener);
    }

    /**
     * The order a multistep solver of {@code order} takes after {@code taken} steps of this run (DPM-Solver,
     * DEIS): lower while fewer earlier outputs exist (min(taken, order) of them), and where the final steps ask for it.
     */
    static int multistepOrder(int order, int taken, boolean lowerFinal, boolean lowerSecond) {
        int earlier = Math.min(taken, order);
        return order == 1 || earlier < 1 || lowerFinal ? 1 : order == 2 || earlier < 2 || lowerSecond ? 2 : 3;
    }

    /** How many of σ_i, σ_{i−1}, σ_{i−2} in a row differ from the one after them: the highest order step i can take. */
    private int distinctSigmas(int i) {
        int k = 0;
        while (k < 3 && i - k >= 0 && sigmas[i - k] != sigmas[i - k + 1]) {
            k++;
        }
        return Math.max(k, 1);
    }

    /** One step of order {@code use} from x at step i, with the outputs in {@code history} (newest first). */
    private Tensor update(int use, Carry.History history, Tensor x, int i, Tensor z) {
        double s0 = sigmas[i];
        double h = SigmaSpace.lambda(sigmas[i + 1]) - SigmaSpace.lambda(s0);
        if (h == 0) {
            return x.clone(); // the same timestep twice: nothing to integrate
        }
        Tensor m0 = history.get(0);
        Tensor d1 = null;
        Tensor d2 = null;
        if (use >= 2) { // backward differences of the last outputs in λ, scaled by h
            double s1 = sigmas[i - 1];
            double r0 = (SigmaSpace.lambda(s0) - SigmaSpace.lambda(s1)) / h;
            Tensor d10 = m0.sub(history.get(1)).mul(new Scalar(1 / r0));
            if (use == 2) {
                d1 = d10;
            } else {
                double r1 = (SigmaSpace.lambda(s1) - SigmaSpace.lambda(sigmas[i - 2])) / h;
                Tensor d11 = history.get(1).sub(history.get(2)).mul(new Scalar(1 / r1));
                Tensor diff = d10.sub(d11);
                d1 = d10.add(diff.mul(new Scalar(r0 / (r0 + r1))));
                d2 = diff.mul(new Scalar(1 / (r0 + r1)));
            }
        }
        return DpmSolverStep.update(algorithm, use, solverType == SolverType.MIDPOINT, x, s0, sigmas[i + 1], m0, d1, d2, z);
    }

    @Override
    public String toString() {
        return "DPM-Solver (" + algorithm.key + ") order " + order + " (" + solverType.name().toLowerCase(java.util.Locale.ROOT) + "), "
                + timesteps.length + " steps " + Arrays.toString(timesteps);
    }
}

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
    private final SolverOptions options;
    private final Clipping clipping;

    private DpmSolverMultistepSampler(SigmaSpace space, SigmaSchedule grid, SolverOptions options, Clipping clipping) {
        super(space, grid);
        this.options = options;
        this.clipping = clipping;
    }

    /** The sampler a DPMSolverMultistepScheduler configuration describes with {@code steps} steps. */
    static DpmSolverMultistepSampler of(SchedulerConfig c, GaussianDiffusion diffusion, int steps, Clipping clipping) {
        SigmaSpace space = SigmaSpace.of(c, diffusion);
        SolverOptions o = SolverOptions.of(c).requireDefinedForDpmSolver();
        return new DpmSolverMultistepSampler(space, SigmaSchedule.exponentialIntegrator(space, steps, o), o, clipping);
    }

    @Override
    public Tensor sample(Denoiser model, Tensor xT, int start, NoiseSource noise, StepListener listener, Trajectory trajectory) {
        TracedSampler.checkStart(start, timesteps.length);
        int n = timesteps.length;
        return ReverseLoop.run(xT, start, n, (i, x, carry) -> {
                Carry.History history = carry.history("outputs", options.order());
                Tensor predicted = space.predict(model, x, timesteps[i], sigmas[i]);
                Tensor x0 = clipping.apply(space.start(predicted, x, sigmas[i]));
                history.push(options.algorithm().data() ? x0 : space.converted(predicted, x, sigmas[i], clipping, false));
                Tensor z = options.algorithm().sde() ? noise.next(Device.of(x)) : null;
                boolean few = options.lowerOrderFinal() && n < 15;
                boolean lowerFinal = i == n - 1 && (options.eulerAtFinal() || few || options.finalSigma() == SigmaSchedule.FinalSigma.ZERO);
                // a repeated timestep (many steps, linspace) has no divided difference
                int use = Math.min(DpmSolverStep.multistepOrder(options.order(), i - start, lowerFinal, few && i == n - 2), distinctSigmas(i));
                Tensor next = update(use, history, x, i, z);
                trajectory.step(i, timesteps[i], next, x0);
                return next;
            }, listener);
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
        return DpmSolverStep.update(options.algorithm(), use, options.midpoint(), x, s0, sigmas[i + 1], m0, d1, d2, z);
    }

    @Override
    public String toString() {
        return "DPM-Solver (" + options.algorithm().key + ") order " + options.order() + " (" + (options.midpoint() ? "midpoint" : "heun") + "), "
                + timesteps.length + " steps " + Arrays.toString(timesteps);
    }
}

package ddpm4j.sample;

import ddpm4j.diffusion.Clipping;
import ddpm4j.diffusion.Denoiser;
import ddpm4j.diffusion.GaussianDiffusion;
import ddpm4j.schedule.SchedulerConfig;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;

/**
 * DEIS (Zhang &amp; Chen 2023, arXiv 2204.13902) as diffusers' {@code DEISMultistepScheduler}: the
 * exponential integrator on ε̂ with the past outputs interpolated by a polynomial in log ρ, ρ = σ_t/α_t,
 * and integrated exactly; orders 1–3, order 1 being DDIM. Every step ends at the next σ, the last at
 * the training table's smallest σ.
 */
public final class DeisMultistepSampler extends SigmaGridSampler {
    private final int order;
    private final boolean lowerOrderFinal;
    private final Clipping clipping;

    private DeisMultistepSampler(SigmaSpace space, SigmaSchedule grid, SolverOptions o, Clipping clipping) {
        super(space, grid);
        this.order = o.order();
        this.lowerOrderFinal = o.lowerOrderFinal();
        this.clipping = clipping;
    }

    static DeisMultistepSampler of(SchedulerConfig c, GaussianDiffusion diffusion, int steps, Clipping clipping) {
        SigmaSpace space = SigmaSpace.of(c, diffusion);
        SolverOptions o = SolverOptions.of(c);
        return new DeisMultistepSampler(space, SigmaSchedule.exponentialIntegrator(space, steps, o), o, clipping);
    }

    @Override
    public Tensor sample(Denoiser model, Tensor xT, int start, NoiseSource noise, StepListener listener, Trajectory trajectory) {
        TracedSampler.checkStart(start, timesteps.length);
        int n = timesteps.length;
        return ReverseLoop.run(xT, start, n, (i, x, carry) -> {
                Carry.History outputs = carry.history("outputs", order);
                Tensor predicted = space.predict(model, x, timesteps[i], sigmas[i]);
                Tensor x0 = clipping.apply(space.start(predicted, x, sigmas[i]));
                outputs.push(SigmaSpace.noiseFromStart(x0, x, sigmas[i]));
                boolean few = lowerOrderFinal && n < 15;
                int use = DpmSolverStep.multistepOrder(order, i - start, few && i == n - 1, few && i == n - 2);
                Tensor next = update(use, outputs, x, i);
                trajectory.step(i, timesteps[i], next, x0);
                return next;
            }, listener);
    }

    private Tensor update(int use, Carry.History outputs, Tensor x, int i) {
        if (use == 1) { // DDIM: x_t = (α_t/α_s) x − σ_t (e^h − 1) ε̂, DPM-Solver's first order
            return DpmSolverStep.update(DpmSolverStep.Algorithm.DPMSOLVER, 1, false, x, sigmas[i], sigmas[i + 1],
                    outputs.get(0), null, null, null);
        }
        double aT = SigmaSpace.alpha(sigmas[i + 1]);
        double a0 = SigmaSpace.alpha(sigmas[i]);
        double rt = sigmas[i + 1]; // ρ = σ_t/α_t is the σ of the table
        double r0 = sigmas[i];
        double r1 = sigmas[i - 1];
        Tensor sum = x.div(new Scalar(a0));
        if (use == 2) {
            double c1 = ind2(rt, r0, r1) - ind2(r0, r0, r1);
            double c2 = ind2(rt, r1, r0) - ind2(r0, r1, r0);
            sum = sum.add(outputs.get(0).mul(new Scalar(c1))).add(outputs.get(1).mul(new Scalar(c2)));
        } else {
            double r2 = sigmas[i - 2];
            double c1 = ind3(rt, r0, r1, r2) - ind3(r0, r0, r1, r2);
            double c2 = ind3(rt, r1, r2, r0) - ind3(r0, r1, r2, r0);
            double c3 = ind3(rt, r2, r0, r1) - ind3(r0, r2, r0, r1);
            sum = sum.add(outputs.get(0).mul(new Scalar(c1))).add(outputs.get(1).mul(new Scalar(c2)))
                    .add(outputs.get(2).mul(new Scalar(c3)));
        }
        return sum.mul(new Scalar(aT));
    }

    /** ∫ of the linear Lagrange basis in log ρ through (b: 1, c: 0), as a function of its upper end t. */
    private static double ind2(double t, double b, double c) {
        return t * (-Math.log(c) + Math.log(t) - 1) / (Math.log(b) - Math.log(c));
    }

    /** ∫ of the quadratic Lagrange basis in log ρ through (b: 1, c: 0, d: 0). */
    private static double ind3(double t, double b, double c, double d) {
        double lt = Math.log(t);
        double lc = Math.log(c);
        double ld = Math.log(d);
        return t * (lc * (ld - lt + 1) - ld * lt + ld + lt * lt - 2 * lt + 2) / ((Math.log(b) - lc) * (Math.log(b) - ld));
    }

    @Override
    public String toString() {
        return "DEIS (logrho) order " + order + ", timesteps " + Arrays.toString(timesteps);
    }
}

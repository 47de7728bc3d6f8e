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
 * DPM-Solver singlestep (Lu et al. 2022) as diffusers' {@code DPMSolverSinglestepScheduler}: the steps
 * are grouped into blocks of 1, 2 or 3 ({@link #orders}); every block starts again from the sample
 * at its start and reaches its end with the outputs at its intermediate σ's, one pass per step.
 */
public final class DpmSolverSinglestepSampler extends SigmaGridSampler {
    private final int[] orders;
    private final int order;
    private final DpmSolverStep.Algorithm algorithm;
    private final boolean midpoint;
    private final Clipping clipping;

    private DpmSolverSinglestepSampler(SigmaSpace space, SigmaSchedule grid, SolverOptions o, Clipping clipping) {
        super(space, grid);
        int steps = grid.steps();
        boolean zero = o.finalSigma() == SigmaSchedule.FinalSigma.ZERO;
        // diffusers turns lower_order_final on when the blocks do not divide the steps or the final σ is 0
        this.orders = orders(steps, o.order(), o.lowerOrderFinal() || steps % o.order() != 0 || zero, zero);
        this.order = o.order();
        this.algorithm = o.algorithm();
        this.midpoint = o.midpoint();
        this.clipping = clipping;
    }

    static DpmSolverSinglestepSampler of(SchedulerConfig c, GaussianDiffusion diffusion, int steps, Clipping clipping) {
        SigmaSpace space = SigmaSpace.of(c, diffusion);
        SolverOptions o = SolverOptions.of(c).requireDefinedForDpmSolver();
        return new DpmSolverSinglestepSampler(space, SigmaSchedule.exponentialIntegrator(space, steps, o), o, clipping);
    }

    /** The order of each step: blocks 1, 2(, 3) repeated, shortened at the end when {@code lowerFinal}; the last 1 when σ ends at 0. */
    static int[] orders(int steps, int order, boolean lowerFinal, boolean finalZero) {
        int[] out = new int[steps];
        int full = lowerFinal ? steps : steps - steps % order;
        for (int i = 0; i < steps; i++) {
            out[i] = i < full ? i % order + 1 : 1;
        }
        if (lowerFinal && order == 3 && steps % 3 == 0 && steps >= 3) { // [1,2,3]*(k−1) + [1,2] + [1]
            out[steps - 3] = 1;
            out[steps - 2] = 2;
            out[steps - 1] = 1;
        }
        if (lowerFinal && order == 2 && steps % 2 == 0 && steps >= 2) { // [1,2]*(k−1) + [1,1]
            out[steps - 1] = 1;
        }
        if (finalZero) {
            out[steps - 1] = 1;
        }
        return out;
    }

    @Override
    public Tensor sample(Denoiser model, Tensor xT, int start, NoiseSource noise, StepListener listener, Trajectory trajectory) {
        TracedSampler.checkStart(start, timesteps.length);
        return ReverseLoop.run(xT, start, timesteps.length, (i, x, carry) -> {
                Carry.History outputs = carry.history("outputs", order);
                Tensor predicted = space.predict(model, x, timesteps[i], sigmas[i]);
                outputs.push(space.converted(predicted, x, sigmas[i], clipping, algorithm.data()));
                Tensor z = algorithm.sde() ? noise.next(Device.of(x)) : null;
                int use = orders[i];
                while (outputs.get(use - 1) == null) {
                    use--;
                }
                if (use == 1) {
                    carry.put("block start", x);
                }
                Tensor next = update(use, outputs, carry.get("block start"), i, z);
                trajectory.step(i, timesteps[i], next, space.converted(predicted, x, sigmas[i], clipping, true));
                return next;
            }, listener);
    }

    /** From the block's start (at σ_{i−use+1}) to σ_{i+1} with the block's outputs (the start's the oldest). */
    private Tensor update(int use, Carry.History outputs, Tensor x, int i, Tensor z) {
        double sS = sigmas[i - use + 1];
        double lS = SigmaSpace.lambda(sS);
        double h = SigmaSpace.lambda(sigmas[i + 1]) - lS;
        Tensor d0 = outputs.get(use - 1);
        Tensor d1 = null;
        Tensor d2 = null;
        if (use == 2) { // differences against the block's first output, in λ, scaled by h
            double r0 = (SigmaSpace.lambda(sigmas[i]) - lS) / h;
            d1 = outputs.get(0).sub(d0).mul(new Scalar(1 / r0));
        } else if (use == 3) {
            double r0 = (SigmaSpace.lambda(sigmas[i]) - lS) / h;
            double r1 = (SigmaSpace.lambda(sigmas[i - 1]) - lS) / h;
            Tensor d10 = outputs.get(1).sub(d0).mul(new Scalar(1 / r1));
            Tensor d11 = outputs.get(0).sub(d0).mul(new Scalar(1 / r0));
            if (midpoint) {
                d1 = d11; // the midpoint form uses only the last difference, and no second
            } else {
                d1 = d10.mul(new Scalar(r0)).sub(d11.mul(new Scalar(r1))).div(new Scalar(r0 - r1));
                d2 = d11.sub(d10).mul(new Scalar(2 / (r0 - r1)));
            }
        }
        return DpmSolverStep.update(algorithm, use, midpoint, x, sS, sigmas[i + 1], d0, d1, d2, z);
    }

    @Override
    public String toString() {
        return "DPM-Solver singlestep (" + algorithm.key + ") order " + order + ", orders " + Arrays.toString(orders);
    }
}

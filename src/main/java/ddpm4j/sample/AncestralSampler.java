package ddpm4j.sample;

import ddpm4j.diffusion.Clipping;
import ddpm4j.diffusion.Denoiser;
import ddpm4j.diffusion.GaussianDiffusion;
import ddpm4j.schedule.Prediction;
import ddpm4j.schedule.VarianceType;
import ddpm4j.schedule.Spacing;
import ddpm4j.torch.Device;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Algorithm 2 of Ho et al. 2020: for t = T..1, x_{t−1} = μθ(x_t, t) + σ_t z, with no noise at the
 * last step; μθ is eq. 7 at the predicted x̂₀, optionally clipped to [−1, 1] first (as the original
 * does), and σ_t is fixed or predicted per the diffusion's variance type. On a respaced process
 * (S < T steps) the same algorithm runs on the S-step schedule (Improved DDPM).
 */
public final class AncestralSampler implements TracedSampler {
    private final Respaced process;
    private final Clipping clipping;

    /** All T steps. */
    public AncestralSampler(GaussianDiffusion diffusion, boolean clip, double clipRange) {
        this(Respaced.of(diffusion, diffusion.schedule().steps(), Spacing.LEADING), clip, clipRange);
    }

    /** S steps of a respaced process. */
    public AncestralSampler(Respaced process, boolean clip, double clipRange) {
        this(process, Clipping.of(clip, clipRange));
    }

    /** S steps of a respaced process, x̂₀ passed through {@code clipping}. */
    public AncestralSampler(Respaced process, Clipping clipping) {
        if (!process.isFull() && process.diffusion().variance() == VarianceType.LEARNED) {
            // a learned log σ² is one step's variance; learned_range interpolates on the respaced betas instead
            throw new IllegalArgumentException("ancestral sampling with a learned (not learned_range) variance runs all steps;"
                    + " DDIM or DPM-Solver take fewer");
        }
        if (!process.isFull() && process.diffusion().prediction() == Prediction.MEAN) {
            // the network predicts a one-step posterior mean, which a jump over several steps cannot use
            throw new IllegalArgumentException("ancestral sampling of a mean-predicting network runs all steps; DDIM takes fewer");
        }
        this.process = process;
        this.clipping = clipping;
    }

    @Override
    public int[] timesteps() {
        return process.descending();
    }



    @Override
    public Tensor sample(Denoiser model, Tensor x, int start, NoiseSource noise, StepListener listener, Trajectory trajectory) {
        TracedSampler.checkStart(start, passes());
        int batch = (int) x.size(0);
        GaussianDiffusion diffusion = process.diffusion();
        Denoiser net = process.model(model, Device.of(x));
        int last = passes() - 1;
        return ReverseLoop.run(x, start, last + 1, (i, xt, carry) -> {
            int t = last - i; // the step of the (possibly respaced) process at loop position i
            GaussianDiffusion.Output p = diffusion.pMeanVariance(net, xt, GaussianDiffusion.fill(batch, t), clipping);
            Tensor next = p.mean();
            if (t > 0) {
                Tensor sigma = torch.exp(p.logVariance().mul(new Scalar(0.5)));
                next = next.add(noise.next(Device.of(xt)).mul(sigma));
            }
            trajectory.step(i, process.kept()[t], next, p.start());
            return next;
        }, listener);
    }

    /** The loop position of the process's step t (0-based): where a figure that decodes from x_t starts. */
    public int positionOf(int t) {
        if (t < 0 || t >= passes()) {
            throw new IllegalArgumentException("t must be in [1, " + passes() + "], got " + (t + 1)); // the paper counts from 1
        }
        return passes() - 1 - t;
    }

    @Override
    public Tensor addNoise(Tensor x0, Tensor noise, int start) {
        TracedSampler.checkStart(start, passes());
        return process.addNoise(x0, noise, start);
    }

    /** The process this sampler runs. */
    public Respaced process() {
        return process;
    }
}

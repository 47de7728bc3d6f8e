package ddpm4j.sample;

import ddpm4j.diffusion.Denoiser;
import ddpm4j.diffusion.GaussianDiffusion;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Algorithm 2 of Ho et al. 2020: for t = T..1, x_{t−1} = μ̃(x̂₀(x_t, ε_θ), x_t) + σ_t z, with no
 * noise at the last step. x̂₀ is optionally clipped to [−1, 1] first (as the original does).
 */
public final class AncestralSampler implements Sampler {
    private final GaussianDiffusion diffusion;
    private final boolean clip;
    private final double clipRange;

    public AncestralSampler(GaussianDiffusion diffusion, boolean clip, double clipRange) {
        this.diffusion = diffusion;
        this.clip = clip;
        this.clipRange = clipRange;
    }

    @Override
    public int steps() {
        return diffusion.schedule().steps();
    }

    @Override
    public Tensor sample(Denoiser model, Tensor xT, NoiseSource noise, StepListener listener) {
        int total = steps();
        int batch = (int) xT.size(0);
        return ReverseLoop.run(xT, total, (i, x) -> {
            int t = total - 1 - i;
            int[] ts = GaussianDiffusion.fill(batch, t);
            Tensor x0 = diffusion.predictStart(model, x, ts, clip, clipRange);
            Tensor mean = diffusion.posteriorMean(x0, x, ts);
            if (t == 0) {
                return mean;
            }
            double sigma = Math.exp(0.5 * diffusion.modelLogVariance(t));
            return mean.add(noise.next().mul(new Scalar(sigma)));
        }, listener);
    }
}

package ddpm4j.sample;

import ddpm4j.diffusion.Denoiser;
import ddpm4j.diffusion.GaussianDiffusion;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Algorithm 2 of Ho et al. 2020: for t = T..1, x_{t−1} = μθ(x_t, t) + σ_t z, with no noise at the
 * last step; μθ is eq. 7 at the predicted x̂₀, optionally clipped to [−1, 1] first (as the original
 * does), and σ_t is fixed or predicted per the diffusion's variance type.
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
            GaussianDiffusion.Output p = diffusion.pMeanVariance(model, x, GaussianDiffusion.fill(batch, t), clip, clipRange);
            if (t == 0) {
                return p.mean();
            }
            Tensor sigma = torch.exp(p.logVariance().mul(new Scalar(0.5)));
            return p.mean().add(noise.next().mul(sigma));
        }, listener);
    }
}

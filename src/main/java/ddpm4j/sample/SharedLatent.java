package ddpm4j.sample;

import ddpm4j.diffusion.Denoiser;
import ddpm4j.diffusion.GaussianDiffusion;
import ddpm4j.torch.Device;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * Completions from a shared latent (Ho et al. 2020, §4.4, fig. 7): a data image is noised to x_t
 * with q(x_t|x₀), then the reverse process from that one x_t is run several times with
 * different noise. The larger t, the less the completions keep of the original.
 */
public final class SharedLatent {
    /** @param xt the shared latent [1,C,H,W]; {@code completions} the samples, float32 NCHW */
    public record Result(float[] xt, float[] completions) {
    }

    private SharedLatent() {
    }

    /**
     * @param x0   one data image [1,C,H,W] in model space
     * @param sampler the full (not respaced) ancestral sampler
     * @param t    the latent's timestep, 0-based
     * @param seed seeds the latent's noise (image 0) and the completions' (images 1..count)
     */
    public static Result run(AncestralSampler sampler, Denoiser model, Tensor x0, int t, int count, long seed,
                             StepListener listener) {
        GaussianDiffusion diffusion = sampler.process().diffusion();
        if (!sampler.process().isFull()) {
            throw new IllegalArgumentException("shared-latent completions run the full process, not a respaced one");
        }
        int start = sampler.positionOf(t);
        long[] shape = Tensors.shape(x0);
        long[] image = {shape[1], shape[2], shape[3]};
        Tensor noise = new NoiseSource(seed, 0, 1, image).next(Device.of(x0));
        Tensor xt = diffusion.qSample(x0, new int[] {t}, noise); // eq. 4
        Tensor batch = xt.expand(new long[] {count, shape[1], shape[2], shape[3]}).contiguous();
        Tensor out = sampler.sample(model, batch, start, new NoiseSource(seed, 1, count, image), listener, Trajectory.NONE);
        return new Result(Tensors.toFloats(xt), Tensors.toFloats(out));
    }
}

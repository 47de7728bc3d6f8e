package ddpm4j.sample;

import ddpm4j.diffusion.Denoiser;
import ddpm4j.torch.Device;
import org.bytedeco.pytorch.Tensor;

/**
 * SDEdit (Meng et al. 2022) as diffusers' image-to-image pipelines run it: the input x₀ is noised with
 * q(x_t | x₀) (eq. 4) to the loop position that {@code strength} selects, and the sampler runs from there.
 * Strength 0 returns the input, strength 1 starts from the noise itself and is unconditional sampling.
 */
public final class ImageToImage {
    private ImageToImage() {
    }

    /**
     * diffusers' {@code get_timesteps}: of the N positions the loop can start at (every pass, Heun's first passes,
     * PNDM's pass 0 and those after its warm-up), the one N − min(⌊N·strength⌋, N) on; N of N is past the end:
     * no pass at all. With one pass per step this is pass P − ⌊P·strength⌋, with Heun diffusers'
     * {@code timesteps[t_start * order:]}; PNDM can start only at pass 0 or after its warm-up, so its strengths
     * below 1 cover the later passes only.
     *
     * @throws IllegalArgumentException for a strength outside [0, 1]
     */
    public static int start(TracedSampler sampler, double strength) {
        if (!(strength >= 0 && strength <= 1)) {
            throw new IllegalArgumentException("strength must be in [0, 1], got " + strength);
        }
        int passes = sampler.passes();
        int[] starts = java.util.stream.IntStream.range(0, passes).filter(sampler::startsAt).toArray();
        int n = starts.length;
        int k = n - Math.min((int) Math.floor(n * strength), n);
        return k == n ? passes : starts[k];
    }

    /**
     * One batch edited: x₀ (model space [B,C,H,W]) noised with the first draw of {@code noise}, then the
     * sampler's loop from {@link #start}, its stochastic steps drawing from {@code noise} in turn.
     */
    public static Tensor edit(TracedSampler sampler, Denoiser model, Tensor x0, double strength, NoiseSource noise,
                              StepListener listener, Trajectory trajectory) {
        int start = start(sampler, strength);
        Tensor z = noise.next(Device.of(x0));
        if (start == sampler.passes()) {
            return x0.clone();
        }
        // at strength 1 pure noise, as diffusers' inpainting pipelines start: unconditional sampling from the same draw
        Tensor x = start == 0 ? sampler.initialSample(z) : sampler.addNoise(x0, z, start);
        return sampler.sample(model, x, start, noise, listener, trajectory);
    }

    /** Network passes one image takes at {@code strength}. */
    public static int passes(TracedSampler sampler, double strength) {
        return sampler.passes() - start(sampler, strength);
    }
}

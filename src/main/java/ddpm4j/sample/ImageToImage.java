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
     * diffusers' {@code get_timesteps}: with P passes, the loop starts at position P − min(⌊P·strength⌋, P), moved
     * later to the first position the sampler can start at (Heun's first passes, after PNDM's warm-up); P means
     * no pass at all.
     *
     * @throws IllegalArgumentException for a strength outside [0, 1]
     */
    public static int start(TracedSampler sampler, double strength) {
        if (!(strength >= 0 && strength <= 1)) {
            throw new IllegalArgumentException("strength must be in [0, 1], got " + strength);
        }
        int passes = sampler.steps();
        int start = passes - Math.min((int) Math.floor(passes * strength), passes);
        while (start < passes && !sampler.startsAt(start)) {
            start++;
        }
        return start;
    }

    /**
     * One batch edited: x₀ (model space [B,C,H,W]) noised with the first draw of {@code noise}, then the
     * sampler's loop from {@link #start}, its stochastic steps drawing from {@code noise} in turn.
     */
    public static Tensor edit(TracedSampler sampler, Denoiser model, Tensor x0, double strength, NoiseSource noise,
                              StepListener listener, Trajectory trajectory) {
        int start = start(sampler, strength);
        Tensor z = noise.next(Device.of(x0));
        if (start == sampler.steps()) {
            return x0.clone();
        }
        if (start == 0) { // pure noise, as diffusers' inpainting pipelines start at strength 1
            return sampler.sample(model, z, noise, listener, trajectory);
        }
        return sampler.sample(model, sampler.addNoise(x0, z, start), start, noise, listener, trajectory);
    }

    /** Network passes one image takes at {@code strength}. */
    public static int passes(TracedSampler sampler, double strength) {
        return sampler.steps() - start(sampler, strength);
    }
}

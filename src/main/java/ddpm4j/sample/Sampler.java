package ddpm4j.sample;

import ddpm4j.diffusion.Denoiser;
import org.bytedeco.pytorch.Tensor;

/** Runs the reverse process from x_T to a sample x₀ in model space. */
public interface Sampler {
    /**
     * @param model    the ε-network
     * @param xT       the starting noise [B,C,H,W]; not modified
     * @param noise    fresh noise for stochastic steps, one stream per image
     * @param listener progress
     */
    Tensor sample(Denoiser model, Tensor xT, NoiseSource noise, StepListener listener);

    /**
     * The loop from x_T keeping {@code known}'s pixels (inpainting), each step shown to {@code trajectory}. RePaint's
     * loop ({@link Samplers#rePaint}) keeps them at every step; the other samplers keep none and refuse a region.
     *
     * @throws IllegalArgumentException for a region this sampler cannot keep
     */
    default Tensor sample(Denoiser model, Tensor xT, KnownRegion known, NoiseSource noise, StepListener listener, Trajectory trajectory) {
        if (!known.isNone()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " keeps no known region; inpaint with RePaint (Samplers.rePaint)");
        }
        if (this instanceof TracedSampler traced) {
            return traced.sample(model, xT, noise, listener, trajectory);
        }
        return sample(model, xT, noise, listener);
    }

    /** Network passes per sample (Heun's S inference steps take 2S − 1, RePaint's its steps down). */
    int passes();
}

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

    /** Network passes per sample (Heun's S inference steps take 2S − 1, RePaint's its steps down). */
    int passes();
}

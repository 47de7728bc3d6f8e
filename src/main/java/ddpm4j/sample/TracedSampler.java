package ddpm4j.sample;

import ddpm4j.diffusion.Denoiser;
import org.bytedeco.pytorch.Tensor;

/** A sampler that can show each step's x_{t−1} and x̂₀ while it runs. */
public interface TracedSampler extends Sampler {
    /** The original timesteps visited, in sampling (descending) order. */
    int[] timesteps();

    /** {@link #sample} that also shows each step to {@code trajectory}. */
    Tensor sample(Denoiser model, Tensor xT, NoiseSource noise, StepListener listener, Trajectory trajectory);

    @Override
    default Tensor sample(Denoiser model, Tensor xT, NoiseSource noise, StepListener listener) {
        return sample(model, xT, noise, listener, Trajectory.NONE);
    }

    /** One network pass per visited timestep. */
    @Override
    default int steps() {
        return timesteps().length;
    }
}

package ddpm4j.sample;

import ddpm4j.diffusion.Denoiser;
import org.bytedeco.pytorch.Tensor;

/**
 * A sampler that can show each step's x_{t−1} and x̂₀ while it runs, and start part way: at position
 * {@code start} of its loop (an index into {@link #timesteps()}) from data noised to that point, as
 * diffusers' image-to-image pipelines run {@code timesteps[t_start * order:]} after {@code add_noise}.
 */
public interface TracedSampler extends Sampler {
    /** The original timestep of each network pass, in sampling (descending) order. */
    int[] timesteps();

    /**
     * The loop from position {@code start} on {@code x}, a sample in the form the loop carries: what
     * {@link #addNoise} returns for data noised to {@code start}, or {@link #initialSample} for pure noise at 0.
     * A multistep solver starts with no earlier outputs, so its first steps are of lower order.
     *
     * @throws IllegalArgumentException when the loop cannot start at {@code start}
     */
    Tensor sample(Denoiser model, Tensor x, int start, NoiseSource noise, StepListener listener, Trajectory trajectory);

    /**
     * The data {@code x0} noised with {@code noise} to the loop's position {@code start} (q(x_t | x₀), eq. 4,
     * at the σ of that position), in the form this sampler's loop carries (diffusers' {@code add_noise}).
     */
    Tensor addNoise(Tensor x0, Tensor noise, int start);

    /**
     * Standard normal noise in the form the loop carries at position 0 (diffusers' {@code noise * init_noise_sigma}):
     * x_T itself where the loop carries x_t; σ-samplers scale it.
     */
    default Tensor initialSample(Tensor xT) {
        return xT;
    }

    /** The loop from pure noise: {@link #initialSample} of {@code xT} at position 0, showing each step to {@code trajectory}. */
    default Tensor sample(Denoiser model, Tensor xT, NoiseSource noise, StepListener listener, Trajectory trajectory) {
        Tensor x = initialSample(xT);
        try {
            return sample(model, x, 0, noise, listener, trajectory);
        } finally {
            if (x != xT) {
                x.close();
            }
        }
    }

    @Override
    default Tensor sample(Denoiser model, Tensor xT, NoiseSource noise, StepListener listener) {
        return sample(model, xT, noise, listener, Trajectory.NONE);
    }

    /**
     * Whether the loop can start at {@code position}: any of 0 … passes − 1 unless a multi-pass step forbids it
     * (Heun's second passes, PNDM's warm-up). {@link #sample(Denoiser, Tensor, int, NoiseSource, StepListener, Trajectory)}
     * refuses the others.
     */
    default boolean startsAt(int position) {
        return position >= 0 && position < passes();
    }

    /** One network pass per visited timestep. */
    @Override
    default int passes() {
        return timesteps().length;
    }

    /** Refuses a start outside 0 … passes − 1. */
    static void checkStart(int start, int passes) {
        if (start < 0 || start >= passes) {
            throw new IllegalArgumentException("the loop has " + passes + " positions (0.." + (passes - 1) + "); cannot start at " + start);
        }
    }
}

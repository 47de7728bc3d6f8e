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
     * The loop from position {@code start} on {@code x}, a sample in the form {@link #addNoise} returns
     * (at start 0 with pure noise, {@link #sample(Denoiser, Tensor, NoiseSource, StepListener, Trajectory)}
     * prepares it). A multistep solver starts with no earlier outputs, so its first steps are of lower order.
     *
     * @throws IllegalArgumentException when the loop cannot start at {@code start}
     */
    Tensor sample(Denoiser model, Tensor x, int start, NoiseSource noise, StepListener listener, Trajectory trajectory);

    /**
     * The data {@code x0} noised with {@code noise} to the loop's position {@code start} (q(x_t | x₀), eq. 4,
     * at the σ of that position), in the form this sampler's loop carries (diffusers' {@code add_noise}).
     */
    Tensor addNoise(Tensor x0, Tensor noise, int start);

    /** {@link #sample} that also shows each step to {@code trajectory}; {@code xT} is standard normal noise. */
    default Tensor sample(Denoiser model, Tensor xT, NoiseSource noise, StepListener listener, Trajectory trajectory) {
        return sample(model, xT, 0, noise, listener, trajectory);
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

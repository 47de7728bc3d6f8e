package ddpm4j.sample;

import org.bytedeco.pytorch.Tensor;

/** Sees every reverse step's result: copy what you need, the tensors are freed after the call. */
@FunctionalInterface
public interface Trajectory {
    Trajectory NONE = (index, t, xt, x0) -> { };

    /**
     * @param index 0-based step of the sampler
     * @param t     the timestep just denoised
     * @param next  x_{t−1} (the sample after this step)
     * @param x0    the predicted x̂₀ at this step
     */
    void step(int index, int t, Tensor next, Tensor x0);
}

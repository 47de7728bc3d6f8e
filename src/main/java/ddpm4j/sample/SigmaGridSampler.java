package ddpm4j.sample;

import org.bytedeco.pytorch.Tensor;

/**
 * What the solvers on a grid of training timesteps share (DPM-Solver multistep and singlestep, UniPC,
 * DEIS): one network pass per timestep, the σ at each and a final σ, and x carried as
 * x_t = α_t x₀ + σ_t ε.
 */
abstract class SigmaGridSampler implements TracedSampler {
    final SigmaSpace space;
    final int[] timesteps;
    /** σ at each step, then the final σ. */
    final double[] sigmas;

    SigmaGridSampler(SigmaSpace space, SigmaSchedule grid) {
        this.space = space;
        this.timesteps = grid.roundedTimesteps();
        this.sigmas = grid.sigmas();
    }

    @Override
    public int[] timesteps() {
        return timesteps.clone();
    }

    @Override
    public Tensor addNoise(Tensor x0, Tensor noise, int start) {
        TracedSampler.checkStart(start, timesteps.length);
        return SigmaSpace.noised(x0, noise, sigmas[start]);
    }
}

package ddpm4j.sample;

import ddpm4j.diffusion.Clipping;
import ddpm4j.diffusion.Denoiser;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.torch.Device;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;

/**
 * Multistep consistency sampling (Song et al. 2023, Algorithm 1; diffusers' {@code CMStochasticIterativeScheduler}):
 * x = σ_max z; at each σ of the loop the consistency function f(x, σ) = c_skip(σ) x + c_out(σ) F(c_in(σ) x, 250 ln σ) gives
 * x̂₀ (clamped to [−1, 1] with {@code clip_denoised}), and the next σ̂ noises it again, x = x̂₀ + s_noise √(σ̂² − σ_min²) z.
 * One step is f(σ_max z, σ_max) and draws no noise.
 *
 * <p>The loop's σ's are points of the {@code num_train_timesteps}-point Karras grid from σ_max (index 0) to σ_min
 * (index N − 1), chosen by descending indices as diffusers' {@code set_timesteps(timesteps=[22, 0])} takes them: the
 * indices in ascending order give the σ's in descending order; without explicit indices, {@code steps} indices
 * k·⌊N/steps⌋.
 */
public final class ConsistencySampler implements TracedSampler {
    private final int[] indices;
    private final double[] sigmas;
    /** The network's timestep at each σ, from the σ's before their rounding to float32, as diffusers has them. */
    private final double[] times;
    private final double sigmaMin;
    private final double sigmaMax;
    private final double sigmaData;
    private final double sNoise;
    private final Clipping clipping;

    private ConsistencySampler(SchedulerConfig config, int[] indices) {
        int n = config.numTrainTimesteps();
        if (indices.length == 0) {
            throw new IllegalArgumentException("timesteps must not be empty");
        }
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] < 0 || indices[i] >= n) {
                throw new IllegalArgumentException("timesteps must be in [0, " + (n - 1) + "] (num_train_timesteps " + n + "), got " + indices[i]);
            }
            if (i > 0 && indices[i] >= indices[i - 1]) {
                throw new IllegalArgumentException("timesteps must be in descending order, got " + Arrays.toString(indices));
            }
        }
        this.indices = indices.clone();
        this.sigmaMin = config.number("sigma_min");
        this.sigmaMax = config.number("sigma_max");
        this.sigmaData = config.number("sigma_data");
        this.sNoise = config.number("s_noise");
        this.clipping = Clipping.of(config.bool("clip_denoised"), 1.0);
        double rho = config.number("rho");
        this.sigmas = new double[indices.length];
        this.times = new double[indices.length];
        for (int k = 0; k < indices.length; k++) {
            double sigma = karras(indices[indices.length - 1 - k] / (double) (n - 1), sigmaMin, sigmaMax, rho);
            times[k] = sigmaToT(sigma);
            sigmas[k] = (float) sigma; // diffusers keeps the σ's it steps with in float32
        }
    }

    /** {@code steps} steps of {@code config}'s grid: indices k·⌊N/steps⌋, k = steps − 1 … 0 (diffusers' set_timesteps(steps)). */
    static ConsistencySampler of(SchedulerConfig config, int steps) {
        int n = config.numTrainTimesteps();
        if (steps < 1 || steps > n) {
            throw new IllegalArgumentException("steps must be in [1, " + n + "] (num_train_timesteps), got " + steps);
        }
        int ratio = n / steps;
        int[] indices = new int[steps];
        for (int k = 0; k < steps; k++) {
            indices[k] = (steps - 1 - k) * ratio;
        }
        return new ConsistencySampler(config, indices);
    }

    /** The loop at explicit grid indices, descending (diffusers' set_timesteps(timesteps=...)). */
    static ConsistencySampler at(SchedulerConfig config, int[] indices) {
        return new ConsistencySampler(config, indices);
    }

    /** σ at position {@code ramp} ∈ [0, 1] of the Karras grid: (σ_max^(1/ρ) + ramp (σ_min^(1/ρ) − σ_max^(1/ρ)))^ρ. */
    static double karras(double ramp, double sigmaMin, double sigmaMax, double rho) {
        double hi = Math.pow(sigmaMax, 1 / rho);
        double lo = Math.pow(sigmaMin, 1 / rho);
        return Math.pow(hi + ramp * (lo - hi), rho);
    }

    /** The timestep the network is given at σ: 250 ln σ (diffusers' sigma_to_t, OpenAI's rescaled t). */
    public static double sigmaToT(double sigma) {
        return 1000 * 0.25 * Math.log(sigma + 1e-44);
    }

    /** The loop's σ's, in sampling order. */
    public double[] sigmas() {
        return sigmas.clone();
    }

    /** The grid indices of the loop, descending. */
    @Override
    public int[] timesteps() {
        return indices.clone();
    }

    @Override
    public Tensor initialSample(Tensor xT) {
        return xT.mul(new Scalar(sigmaMax)); // diffusers' init_noise_sigma
    }

    @Override
    public Tensor addNoise(Tensor x0, Tensor noise, int start) {
        TracedSampler.checkStart(start, indices.length);
        return x0.add(noise.mul(new Scalar(sigmas[start])));
    }

    @Override
    public Tensor sample(Denoiser model, Tensor x, int first, NoiseSource noise, StepListener listener, Trajectory trajectory) {
        TracedSampler.checkStart(first, indices.length);
        return ReverseLoop.run(x, first, indices.length, (i, current, carry) -> {
            double sigma = sigmas[i];
            Device device = Device.of(current);
            long b = current.size(0);
            float[] t = new float[(int) b];
            Arrays.fill(t, (float) times[i]);
            double cIn = 1 / Math.sqrt(sigma * sigma + sigmaData * sigmaData);
            Tensor out = model.apply(current.mul(new Scalar(cIn)), device.put(Tensors.fromFloats(t, b)));
            double d = sigma - sigmaMin; // the boundary condition f(x, σ_min) = x (Song et al. 2023, appendix C)
            double cSkip = sigmaData * sigmaData / (d * d + sigmaData * sigmaData);
            double cOut = d * sigmaData / Math.sqrt(sigma * sigma + sigmaData * sigmaData);
            Tensor x0 = clipping.apply(out.narrow(1, 0, current.size(1)).mul(new Scalar(cOut)).add(current.mul(new Scalar(cSkip))));
            Tensor next = x0;
            if (indices.length > 1) { // diffusers draws noise on every step of a multistep loop, the last included
                double to = Math.min(Math.max(i + 1 < sigmas.length ? sigmas[i + 1] : sigmaMin, sigmaMin), sigmaMax);
                double scale = sNoise * Math.sqrt(Math.max(to * to - sigmaMin * sigmaMin, 0));
                next = x0.add(noise.next(device).mul(new Scalar(scale)));
            }
            trajectory.step(i, indices[i], next, x0);
            return next;
        }, listener);
    }
}

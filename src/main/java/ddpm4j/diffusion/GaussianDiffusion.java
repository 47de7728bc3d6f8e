package ddpm4j.diffusion;

import ddpm4j.schedule.NoiseSchedule;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The forward process q and the reverse-process quantities the samplers need (Ho et al. 2020,
 * §2–3), for a network that predicts ε. Timesteps are per image: {@code t[i]} for image i.
 */
public final class GaussianDiffusion {
    private final NoiseSchedule schedule;
    private final boolean fixedLarge;

    /**
     * @param fixedLarge σ²_t = β_t (true) or β̃_t (false), the paper's two fixed choices (§3.2)
     */
    public GaussianDiffusion(NoiseSchedule schedule, boolean fixedLarge) {
        this.schedule = schedule;
        this.fixedLarge = fixedLarge;
    }

    public NoiseSchedule schedule() {
        return schedule;
    }

    /** eq. 4: x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε. */
    public Tensor qSample(Tensor x0, int[] t, Tensor noise) {
        return Coefficients.gather(schedule::sqrtAlphaBar, t).mul(x0)
                .add(Coefficients.gather(schedule::sqrtOneMinusAlphaBar, t).mul(noise));
    }

    /** eq. 4 solved for x₀: x̂₀ = √(1/ᾱ_t) x_t − √(1/ᾱ_t − 1) ε. */
    public Tensor predictStartFromNoise(Tensor xt, int[] t, Tensor eps) {
        return Coefficients.gather(schedule::sqrtRecipAlphaBar, t).mul(xt)
                .sub(Coefficients.gather(schedule::sqrtRecipM1AlphaBar, t).mul(eps));
    }

    /** eq. 4 solved for ε given x₀. */
    public Tensor predictNoiseFromStart(Tensor xt, int[] t, Tensor x0) {
        return Coefficients.gather(schedule::sqrtRecipAlphaBar, t).mul(xt).sub(x0)
                .div(Coefficients.gather(schedule::sqrtRecipM1AlphaBar, t));
    }

    /** eq. 7: the mean μ̃_t(x_t, x₀) of the posterior q(x_{t−1} | x_t, x₀). */
    public Tensor posteriorMean(Tensor x0, Tensor xt, int[] t) {
        return Coefficients.gather(schedule::posteriorMeanCoef1, t).mul(x0)
                .add(Coefficients.gather(schedule::posteriorMeanCoef2, t).mul(xt));
    }

    /**
     * log σ²_t of p(x_{t−1} | x_t): log β_t, with log β̃₂ at the first step as in the original
     * (fixed_large), or the clipped log β̃_t (fixed_small).
     */
    public double modelLogVariance(int t) {
        if (fixedLarge) {
            return t == 0 && schedule.steps() > 1 ? Math.log(schedule.posteriorVariance(1)) : Math.log(schedule.beta(t));
        }
        return schedule.posteriorLogVarianceClipped(t);
    }

    /** x̂₀ from the network output, clipped to [−range, range] when {@code clip}. */
    public Tensor predictStart(Denoiser model, Tensor xt, int[] t, boolean clip, double range) {
        Tensor eps = model.apply(xt, timesteps(t));
        Tensor x0 = predictStartFromNoise(xt, t, eps);
        return clip ? clamp(x0, range) : x0;
    }

    /** x clipped elementwise to [−range, range]. */
    public static Tensor clamp(Tensor x, double range) {
        return torch.clamp(x, new ScalarOptional(new Scalar(-range)), new ScalarOptional(new Scalar(range)));
    }

    /** The int64 tensor of timesteps the network is conditioned on. */
    public static Tensor timesteps(int[] t) {
        long[] v = new long[t.length];
        for (int i = 0; i < t.length; i++) {
            v[i] = t[i];
        }
        return Tensors.fromLongs(v, t.length);
    }

    /** The same timestep for every image of a batch. */
    public static int[] fill(int batch, int t) {
        int[] out = new int[batch];
        java.util.Arrays.fill(out, t);
        return out;
    }
}

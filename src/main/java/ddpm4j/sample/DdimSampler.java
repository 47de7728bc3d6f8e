package ddpm4j.sample;

import ddpm4j.diffusion.Denoiser;
import ddpm4j.diffusion.GaussianDiffusion;
import ddpm4j.schedule.NoiseSchedule;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * DDIM (Song et al. 2021, eq. 12) on S of the T training steps with "leading" spacing
 * (0, T/S, 2T/S, ..., as diffusers' DDIMScheduler): x_prev = √ᾱ_prev x̂₀ +
 * √(1 − ᾱ_prev − σ²) ε + σ z with σ = η √((1 − ᾱ_prev)/(1 − ᾱ_t)) √(1 − ᾱ_t/ᾱ_prev). Past the
 * first kept step ᾱ_prev = 1, so the last step returns x̂₀.
 */
public final class DdimSampler implements Sampler {
    private final GaussianDiffusion diffusion;
    private final int[] timesteps;
    private final double eta;
    private final boolean clip;
    private final double clipRange;

    public DdimSampler(GaussianDiffusion diffusion, int steps, double eta, boolean clip, double clipRange) {
        int total = diffusion.schedule().steps();
        if (steps < 1 || steps > total) {
            throw new IllegalArgumentException("DDIM steps must be in [1, " + total + "], got " + steps);
        }
        if (!(eta >= 0)) {
            throw new IllegalArgumentException("eta must be non-negative, got " + eta);
        }
        this.diffusion = diffusion;
        this.timesteps = leadingTimesteps(total, steps);
        this.eta = eta;
        this.clip = clip;
        this.clipRange = clipRange;
    }

    /** Descending timesteps (S−1)·T/S, ..., T/S, 0 with T/S rounded down. */
    public static int[] leadingTimesteps(int total, int steps) {
        int ratio = total / steps;
        int[] ts = new int[steps];
        for (int i = 0; i < steps; i++) {
            ts[i] = (steps - 1 - i) * ratio;
        }
        return ts;
    }

    public int[] timesteps() {
        return timesteps.clone();
    }

    @Override
    public int steps() {
        return timesteps.length;
    }

    @Override
    public Tensor sample(Denoiser model, Tensor xT, NoiseSource noise, StepListener listener) {
        return sample(model, xT, noise, listener, Trajectory.NONE);
    }

    /** {@link #sample} that also shows each step's x_{t−1} and x̂₀ to {@code trajectory}. */
    public Tensor sample(Denoiser model, Tensor xT, NoiseSource noise, StepListener listener, Trajectory trajectory) {
        NoiseSchedule s = diffusion.schedule();
        int batch = (int) xT.size(0);
        return ReverseLoop.run(xT, timesteps.length, (i, x) -> {
            int t = timesteps[i];
            GaussianDiffusion.Output p = diffusion.pMeanVariance(model, x, GaussianDiffusion.fill(batch, t), clip, clipRange);
            Tensor x0 = p.start();
            Tensor eps = p.noise();
            double alphaBar = s.alphaBar(t);
            double alphaBarPrev = i + 1 < timesteps.length ? s.alphaBar(timesteps[i + 1]) : 1.0;
            double sigma = eta * Math.sqrt((1 - alphaBarPrev) / (1 - alphaBar) * (1 - alphaBar / alphaBarPrev));
            double dirCoef = Math.sqrt(Math.max(1 - alphaBarPrev - sigma * sigma, 0));
            Tensor next = x0.mul(new Scalar(Math.sqrt(alphaBarPrev))).add(eps.mul(new Scalar(dirCoef)));
            if (sigma > 0) {
                next = next.add(noise.next().mul(new Scalar(sigma)));
            }
            trajectory.step(i, t, next, x0);
            return next;
        }, listener);
    }
}

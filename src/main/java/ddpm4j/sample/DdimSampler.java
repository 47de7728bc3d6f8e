package ddpm4j.sample;

import ddpm4j.diffusion.Clipping;
import ddpm4j.diffusion.Denoiser;
import ddpm4j.diffusion.GaussianDiffusion;
import ddpm4j.schedule.NoiseSchedule;
import ddpm4j.schedule.Spacing;
import ddpm4j.torch.Device;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * DDIM (Song et al. 2021, eq. 12) on S of the T training steps: x_prev = √ᾱ_prev x̂₀ +
 * √(1 − ᾱ_prev − σ²) ε + σ z with σ = η √((1 − ᾱ_prev)/(1 − ᾱ_t)) √(1 − ᾱ_t/ᾱ_prev). Past the
 * first kept step ᾱ_prev = 1, so the last step returns x̂₀. With η = 0 the map is deterministic
 * and {@link #encode} runs it backwards.
 */
public final class DdimSampler implements TracedSampler {
    private final Respaced process;
    private final double eta;
    private final Clipping clipping;
    private final double finalAlphaBar;

    /** S steps with leading spacing (0, T/S, 2T/S, ..., as diffusers' DDIMScheduler). */
    public DdimSampler(GaussianDiffusion diffusion, int steps, double eta, boolean clip, double clipRange) {
        this(checked(diffusion, steps, Spacing.LEADING), eta, clip, clipRange);
    }

    public DdimSampler(Respaced process, double eta, boolean clip, double clipRange) {
        this(process, eta, Clipping.of(clip, clipRange), true);
    }

    /**
     * @param clipping   what is done to x̂₀ at each step
     * @param alphaToOne diffusers' {@code set_alpha_to_one}: ᾱ past the last kept step is 1 (the last step
     *                   returns x̂₀), else ᾱ of the first training step
     */
    public DdimSampler(Respaced process, double eta, Clipping clipping, boolean alphaToOne) {
        if (!(eta >= 0)) {
            throw new IllegalArgumentException("eta must be non-negative, got " + eta);
        }
        this.process = process;
        this.eta = eta;
        this.clipping = clipping;
        this.finalAlphaBar = finalAlphaBar(alphaToOne, process.base().schedule());
    }

    /** ᾱ past the last kept step: 1 with diffusers' {@code set_alpha_to_one} (the last step returns x̂₀), else ᾱ_0. */
    static double finalAlphaBar(boolean alphaToOne, ddpm4j.schedule.NoiseSchedule schedule) {
        return alphaToOne ? 1.0 : schedule.alphaBar(0);
    }

    private static Respaced checked(GaussianDiffusion diffusion, int steps, Spacing spacing) {
        int total = diffusion.schedule().steps();
        if (steps < 1 || steps > total) {
            throw new IllegalArgumentException("DDIM steps must be in [1, " + total + "], got " + steps);
        }
        return Respaced.of(diffusion, steps, spacing);
    }

    @Override
    public int[] timesteps() {
        return process.descending();
    }



    @Override
    public Tensor sample(Denoiser model, Tensor xT, int start, NoiseSource noise, StepListener listener, Trajectory trajectory) {
        // x̂₀ and ε̂ come from the original process at the original timestep, so any parameterization works;
        // only ᾱ at the kept steps enters the update
        GaussianDiffusion base = process.base();
        NoiseSchedule s = base.schedule();
        int[] kept = process.kept();
        int total = passes();
        int batch = (int) xT.size(0);
        TracedSampler.checkStart(start, total);
        return ReverseLoop.run(xT, start, total, (i, x, carry) -> {
            int j = total - 1 - i;
            int t = kept[j];
            GaussianDiffusion.Output p = base.pMeanVariance(model, x, GaussianDiffusion.fill(batch, t), clipping);
            Tensor x0 = p.start();
            double alphaBarPrev = j > 0 ? s.alphaBar(kept[j - 1]) : finalAlphaBar;
            double sigma = sigma(eta, s.alphaBar(t), alphaBarPrev);
            Tensor next = step(x0, p.noise(), alphaBarPrev, sigma);
            if (sigma > 0) {
                next = next.add(noise.next(Device.of(x)).mul(new Scalar(sigma)));
            }
            trajectory.step(i, t, next, x0);
            return next;
        }, listener);
    }

    /** DDIM's σ (Song et al. 2021, eq. 16): η √((1 − ᾱ_prev)/(1 − ᾱ)) √(1 − ᾱ/ᾱ_prev); η = 1 is DDPM's posterior σ. */
    static double sigma(double eta, double alphaBar, double alphaBarPrev) {
        return eta * Math.sqrt((1 - alphaBarPrev) / (1 - alphaBar) * (1 - alphaBar / alphaBarPrev));
    }

    /**
     * DDIM's step (eq. 12) without its noise term: √ᾱ_prev x̂₀ + √(1 − ᾱ_prev − σ²) ε̂, the "direction pointing to
     * x_t"; a stochastic step adds σ z. DDIM and RePaint step through here.
     */
    static Tensor step(Tensor x0, Tensor eps, double alphaBarPrev, double sigma) {
        double direction = Math.sqrt(Math.max(1 - alphaBarPrev - sigma * sigma, 0));
        return x0.mul(new Scalar(Math.sqrt(alphaBarPrev))).add(eps.mul(new Scalar(direction)));
    }

    @Override
    public Tensor addNoise(Tensor x0, Tensor noise, int start) {
        TracedSampler.checkStart(start, passes());
        return process.addNoise(x0, noise, start);
    }

    /**
     * DDIM inversion (η = 0 run forwards): from data x₀, taken as x at the lowest kept step, up to
     * the highest kept step, each move x_next = √ᾱ_next x̂₀ + √(1 − ᾱ_next) ε̂ with x̂₀, ε̂ at the
     * current step. {@link #sample} with η = 0 maps the result back to x₀ up to the
     * discretisation error of S steps. S − 1 network passes.
     */
    public Tensor encode(Denoiser model, Tensor x0, StepListener listener) {
        GaussianDiffusion base = process.base();
        NoiseSchedule s = base.schedule();
        int[] kept = process.kept();
        int batch = (int) x0.size(0);
        return ReverseLoop.run(x0, passes() - 1, (i, x, carry) -> {
            GaussianDiffusion.Output p = base.pMeanVariance(model, x, GaussianDiffusion.fill(batch, kept[i]), clipping);
            double alphaBarNext = s.alphaBar(kept[i + 1]);
            return p.start().mul(new Scalar(Math.sqrt(alphaBarNext))).add(p.noise().mul(new Scalar(Math.sqrt(1 - alphaBarNext))));
        }, listener);
    }
}

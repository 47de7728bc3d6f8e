package ddpm4j.sample;

import ddpm4j.diffusion.Clipping;
import ddpm4j.diffusion.Denoiser;
import ddpm4j.diffusion.EdmPreconditioning;
import ddpm4j.diffusion.GaussianDiffusion;
import ddpm4j.schedule.EdmProcess;
import ddpm4j.schedule.Prediction;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.schedule.NoiseSchedule;
import ddpm4j.torch.Device;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * The process in σ = √((1 − ᾱ)/ᾱ), as diffusers' σ-based schedulers (DPM-Solver, UniPC, DEIS, Euler,
 * Heun, LMS) see it: α_t = 1/√(1 + σ²), σ_t = σ α_t, x_t = α_t x₀ + σ_t ε. These schedulers evaluate the
 * network at a σ that need not be a training step's (Karras σ, fractional timesteps), so x̂₀ and ε̂
 * come from σ here rather than from the ᾱ table.
 */
final class SigmaSpace {
    private final GaussianDiffusion diffusion; // the β process, or null
    private final EdmPreconditioning edm;      // the EDM process's preconditioning, or null
    private final EdmProcess process;

    SigmaSpace(GaussianDiffusion diffusion, String scheduler) {
        if (diffusion.prediction() == Prediction.MEAN) {
            throw new IllegalArgumentException(scheduler + " needs x0, epsilon or v from the network; a mean-predicting"
                    + " network samples with DDPMScheduler or DDIMScheduler");
        }
        this.diffusion = diffusion;
        this.edm = null;
        this.process = null;
    }

    private SigmaSpace(EdmProcess process, EdmPreconditioning edm) {
        this.diffusion = null;
        this.edm = edm;
        this.process = process;
    }

    /**
     * The σ view of {@code c}'s process: its β's (the network fed x/√(σ² + 1) at the training timestep of σ), or an EDM
     * process (the network fed c_in x_σ at c_noise(σ), x̂₀ = c_skip x_σ + c_out F), where x_σ = x/α is the
     * variance-exploding form of the x = α x₀ + σ α ε the solvers carry.
     */
    static SigmaSpace of(SchedulerConfig c, GaussianDiffusion diffusion) { // diffusion: the β process, null for an EDM one
        EdmProcess p = c.edm();
        return p == null ? new SigmaSpace(diffusion, c.className()) : new SigmaSpace(p, EdmPreconditioning.of(c));
    }

    /** The EDM process, or null for a process of β's. */
    EdmProcess edmProcess() {
        return process;
    }

    /**
     * σ at each training step, [T], in float32 from ᾱ rounded to float32, as diffusers computes them
     * from its float32 {@code alphas_cumprod} (the rounding of ᾱ near 1 moves σ at t = 0 by 1e-4).
     */
    double[] trainingSigmas() {
        if (diffusion == null) {
            throw new IllegalStateException("an EDM process has no training steps");
        }
        NoiseSchedule s = diffusion.schedule();
        double[] out = new double[s.steps()];
        for (int i = 0; i < out.length; i++) {
            float a = (float) s.alphaBar(i);
            out[i] = (float) Math.sqrt((1f - a) / a);
        }
        return out;
    }

    static double alpha(double sigma) {
        return 1 / Math.sqrt(sigma * sigma + 1);
    }

    /** λ = log α_t − log σ_t = −log σ. */
    static double lambda(double sigma) {
        return -Math.log(sigma);
    }

    /**
     * The network's first C output channels (what it predicts; learned-variance channels dropped) at x = α x₀ + σ α ε
     * with this σ: at timestep t for a β process, at (c_in x/α, c_noise(σ)) for an EDM process.
     */
    Tensor predict(Denoiser model, Tensor x, double t, double sigma) {
        int batch = (int) x.size(0);
        Tensor input = x;
        Tensor ts;
        if (edm != null) {
            input = x.mul(new Scalar(edm.cIn(sigma) / alpha(sigma)));
            ts = Device.of(x).put(Tensors.fromFloats(filled(batch, (float) EdmPreconditioning.cNoise(sigma)), batch));
        } else {
            ts = t == Math.rint(t)
                    ? diffusion.timesteps(GaussianDiffusion.fill(batch, (int) t), x)
                    : Device.of(x).put(Tensors.fromFloats(filled(batch, (float) t), batch));
        }
        Tensor out = model.apply(input, ts);
        long c = x.size(1);
        return out.size(1) == c ? out : out.narrow(1, 0, c);
    }

    /** The timestep the network sees at σ: the fractional training step of σ (β process) or c_noise(σ) (EDM). */
    double timestepOf(double sigma) {
        if (edm != null) {
            return f32(EdmPreconditioning.cNoise(sigma));
        }
        if (logSigmas == null) { // made once: churn asks at every step
            logSigmas = logs(trainingSigmas());
        }
        return sigmaToT(sigma, logSigmas);
    }

    private double[] logSigmas; // log σ of the training steps, for timestepOf

    /** x̂₀ from the prediction at x = α_t x₀ + σ_t ε with this σ. */
    Tensor start(Tensor predicted, Tensor x, double sigma) {
        double a = alpha(sigma);
        if (edm != null) {
            return edm.denoised(predicted, x.mul(new Scalar(1 / a)), sigma);
        }
        double st = sigma * a;
        return switch (diffusion.prediction()) {
            case EPSILON -> x.sub(predicted.mul(new Scalar(st))).div(new Scalar(a));
            case SAMPLE -> predicted;
            case V -> x.mul(new Scalar(a)).sub(predicted.mul(new Scalar(st)));
            case MEAN -> throw new IllegalStateException("refused in the constructor");
        };
    }

    /** ε̂ from the prediction at x with this σ. */
    Tensor noise(Tensor predicted, Tensor x, double sigma) {
        if (edm != null) {
            return noiseFromStart(start(predicted, x, sigma), x, sigma);
        }
        double a = alpha(sigma);
        double st = sigma * a;
        return switch (diffusion.prediction()) {
            case EPSILON -> predicted;
            case SAMPLE -> x.sub(predicted.mul(new Scalar(a))).div(new Scalar(st));
            case V -> predicted.mul(new Scalar(a)).add(x.mul(new Scalar(st)));
            case MEAN -> throw new IllegalStateException("refused in the constructor");
        };
    }

    /**
     * The output a solver integrates: x̂₀ passed through {@code clipping} ({@code data}), else ε̂ (made
     * consistent with the clipped x̂₀ when there is clipping).
     */
    Tensor converted(Tensor predicted, Tensor x, double sigma, Clipping clipping, boolean data) {
        if (!data && clipping == Clipping.NONE) {
            return noise(predicted, x, sigma);
        }
        Tensor x0 = clipping.apply(start(predicted, x, sigma));
        return data ? x0 : noiseFromStart(x0, x, sigma);
    }

    /** x_t = α_t x₀ + σ_t ε at this σ (eq. 4; diffusers' add_noise in the σ-based schedulers). */
    static Tensor noised(Tensor x0, Tensor noise, double sigma) {
        double a = alpha(sigma);
        return x0.mul(new Scalar(a)).add(noise.mul(new Scalar(sigma * a)));
    }

    /** ε̂ given x̂₀ at x with this σ. */
    static Tensor noiseFromStart(Tensor x0, Tensor x, double sigma) {
        double a = alpha(sigma);
        return x.sub(x0.mul(new Scalar(a))).div(new Scalar(sigma * a));
    }

    /**
     * Karras et al. (2022) eq. 5 with ρ = 7: n σ's from σ_max down to σ_min, evenly spaced in σ^{1/ρ}.
     */
    static double[] karras(double sigmaMin, double sigmaMax, int n) {
        double rho = 7.0;
        double lo = Math.pow(sigmaMin, 1 / rho);
        double hi = Math.pow(sigmaMax, 1 / rho);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            double ramp = n == 1 ? 0 : i / (double) (n - 1);
            out[i] = Math.pow(hi + ramp * (lo - hi), rho);
        }
        return out;
    }

    /** The fractional training step whose σ is {@code sigma}: linear interpolation in log σ, clamped to the table. */
    static double sigmaToT(double sigma, double[] logSigmas) {
        double logSigma = Math.log(Math.max(sigma, 1e-10));
        int low = 0;
        for (int i = 0; i < logSigmas.length; i++) {
            if (logSigma - logSigmas[i] >= 0) {
                low = i;
            }
        }
        low = Math.min(low, logSigmas.length - 2);
        double w = (logSigmas[low] - logSigma) / (logSigmas[low] - logSigmas[low + 1]);
        w = Math.max(0, Math.min(1, w));
        return (1 - w) * low + w * (low + 1);
    }

    /** log σ of each σ in the table: where {@link #sigmaToT} looks a σ up. */
    static double[] logs(double[] sigmas) {
        double[] out = new double[sigmas.length];
        for (int i = 0; i < sigmas.length; i++) {
            out[i] = Math.log(sigmas[i]);
        }
        return out;
    }

    /** numpy's interp of the training σ table at fractional timestep t. */
    static double interp(double[] sigmas, double t) {
        if (t <= 0) {
            return sigmas[0];
        }
        if (t >= sigmas.length - 1) {
            return sigmas[sigmas.length - 1];
        }
        int i = (int) Math.floor(t);
        double f = t - i;
        return sigmas[i] + f * (sigmas[i + 1] - sigmas[i]);
    }

    /** How σ's are spread over the steps: at the spaced training steps, Karras et al.'s, or Lu et al.'s. */
    enum Spread {
        /** σ of each spaced training step. */
        TRAINING,
        /** {@link #karras}. */
        KARRAS,
        /** Uniform in log σ (uniform λ) between the table's ends (Lu et al. 2022; diffusers' {@code use_lu_lambdas}). */
        LU;

        /** Karras when {@code use_karras_sigmas}, else Lu when the scheduler has {@code use_lu_lambdas} set, else the training σ's. */
        static Spread of(ddpm4j.schedule.SchedulerConfig c) {
            return c.has("use_karras_sigmas") && c.bool("use_karras_sigmas") ? KARRAS
                    : c.has("use_lu_lambdas") && c.bool("use_lu_lambdas") ? LU : TRAINING;
        }
    }

    /**
     * The σ at each of the integer {@code timesteps}, or σ's spread between the table's ends (Karras, Lu) with
     * {@code timesteps} overwritten by their rounded training steps (as diffusers' DPM-Solver, UniPC and DEIS
     * schedulers do); float32 values, without a final σ.
     */
    static double[] discreteSigmas(double[] train, int[] timesteps, Spread spread) {
        int n = timesteps.length;
        double[] out = new double[n];
        if (spread == Spread.TRAINING) {
            for (int i = 0; i < n; i++) {
                out[i] = f32(train[timesteps[i]]);
            }
            return out;
        }
        double[] logSigmas = logs(train);
        double[] k = spread == Spread.KARRAS ? karras(train[0], train[train.length - 1], n)
                : logUniform(logSigmas[0], logSigmas[train.length - 1], n);
        for (int i = 0; i < n; i++) {
            timesteps[i] = (int) Math.rint(sigmaToT(k[i], logSigmas));
            out[i] = f32(k[i]);
        }
        return out;
    }

    /** n σ's from e^{hi} down to e^{lo}, evenly spaced in log σ. */
    private static double[] logUniform(double lo, double hi, int n) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            double ramp = n == 1 ? 0 : i / (double) (n - 1);
            out[i] = Math.exp(hi + ramp * (lo - hi));
        }
        return out;
    }

    /** {@code sigmas} with {@code last} appended. */
    static double[] withFinal(double[] sigmas, double last) {
        double[] out = java.util.Arrays.copyOf(sigmas, sigmas.length + 1);
        out[sigmas.length] = last;
        return out;
    }

    /** Rounds to float32, as diffusers stores its σ tables. */
    static double f32(double v) {
        return (float) v;
    }

    private static float[] filled(int n, float v) {
        float[] out = new float[n];
        java.util.Arrays.fill(out, v);
        return out;
    }
}

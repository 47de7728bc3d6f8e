package ddpm4j.diffusion;

import ddpm4j.schedule.NoiseSchedule;
import ddpm4j.schedule.Prediction;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.schedule.VarianceType;
import ddpm4j.torch.Device;
import ddpm4j.torch.MetaKernels;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.function.IntToDoubleFunction;

/**
 * The forward process q, the reverse process p_θ around a network, and the terms of the
 * variational bound (Ho et al. 2020, §2–3; the original diffusion_utils_2.py). The network is a
 * plain {@link Denoiser}; what its output means is set by a {@link Prediction} and a
 * {@link VarianceType}. Timesteps are per image: {@code t[i]} for image i, 0-based.
 */
public final class GaussianDiffusion {
    private static final double LN2 = Math.log(2);

    private final NoiseSchedule schedule;
    private final Prediction prediction;
    private final VarianceType variance;
    private final Coefficients coefficients;

    public GaussianDiffusion(NoiseSchedule schedule, Prediction prediction, VarianceType variance) {
        this.schedule = schedule;
        this.prediction = prediction;
        this.variance = variance;
        this.coefficients = new Coefficients(schedule.steps());
    }

    /**
     * The process a model directory's scheduler_config.json describes.
     *
     * @throws IllegalArgumentException for an EDM process or a consistency model, which have no β's
     */
    public static GaussianDiffusion of(SchedulerConfig c) {
        if (!c.hasBetas()) {
            throw new IllegalArgumentException("this model's process is " + (c.edm() != null ? "EDM's (" + c.className() + ", sigma_data)"
                    : "a consistency model's (" + c.className() + ")") + ": it has no β's and no training timesteps, which this needs");
        }
        return new GaussianDiffusion(c.schedule(), c.prediction(), c.variance());
    }

    public NoiseSchedule schedule() {
        return schedule;
    }

    public Prediction prediction() {
        return prediction;
    }

    public VarianceType variance() {
        return variance;
    }

    /** Output channels a network needs for data with {@code dataChannels} channels. */
    public int outputChannels(int dataChannels) {
        return variance.learned() ? 2 * dataChannels : dataChannels;
    }

    /** The schedule's table {@code name} at timesteps t, [B,1,1,1] on the device of {@code like}. */
    Tensor gather(String name, IntToDoubleFunction table, int[] t, Tensor like) {
        return coefficients.gather(name, table, t, Device.of(like));
    }

    // the tables of the schedule the formulas below use, [B,1,1,1] on the device of like
    private Tensor posteriorMeanCoef1(int[] t, Tensor like) {
        return gather("posteriorMeanCoef1", schedule::posteriorMeanCoef1, t, like);
    }

    private Tensor posteriorMeanCoef2(int[] t, Tensor like) {
        return gather("posteriorMeanCoef2", schedule::posteriorMeanCoef2, t, like);
    }

    private Tensor sqrtAlphaBar(int[] t, Tensor like) {
        return gather("sqrtAlphaBar", schedule::sqrtAlphaBar, t, like);
    }

    private Tensor sqrtOneMinusAlphaBar(int[] t, Tensor like) {
        return gather("sqrtOneMinusAlphaBar", schedule::sqrtOneMinusAlphaBar, t, like);
    }

    private Tensor sqrtRecipAlphaBar(int[] t, Tensor like) {
        return gather("sqrtRecipAlphaBar", schedule::sqrtRecipAlphaBar, t, like);
    }

    private Tensor sqrtRecipM1AlphaBar(int[] t, Tensor like) {
        return gather("sqrtRecipM1AlphaBar", schedule::sqrtRecipM1AlphaBar, t, like);
    }

    /** eq. 4: x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε. */
    public Tensor qSample(Tensor x0, int[] t, Tensor noise) {
        return sqrtAlphaBar(t, x0).mul(x0).add(sqrtOneMinusAlphaBar(t, x0).mul(noise));
    }

    /** eq. 4 solved for x₀: x̂₀ = √(1/ᾱ_t) x_t − √(1/ᾱ_t − 1) ε. */
    public Tensor predictStartFromNoise(Tensor xt, int[] t, Tensor eps) {
        return sqrtRecipAlphaBar(t, xt).mul(xt).sub(sqrtRecipM1AlphaBar(t, xt).mul(eps));
    }

    /** eq. 4 solved for ε given x₀. */
    public Tensor predictNoiseFromStart(Tensor xt, int[] t, Tensor x0) {
        return sqrtRecipAlphaBar(t, xt).mul(xt).sub(x0).div(sqrtRecipM1AlphaBar(t, xt));
    }

    /** eq. 7 solved for x₀ given the posterior mean. */
    public Tensor predictStartFromMean(Tensor xt, int[] t, Tensor mean) {
        return mean.sub(posteriorMeanCoef2(t, xt).mul(xt)).div(posteriorMeanCoef1(t, xt));
    }

    /** x₀ = √ᾱ_t x_t − √(1 − ᾱ_t) v. */
    public Tensor predictStartFromV(Tensor xt, int[] t, Tensor v) {
        return sqrtAlphaBar(t, xt).mul(xt).sub(sqrtOneMinusAlphaBar(t, xt).mul(v));
    }

    /** v = √ᾱ_t ε − √(1 − ᾱ_t) x₀. */
    public Tensor velocity(Tensor x0, int[] t, Tensor noise) {
        return sqrtAlphaBar(t, x0).mul(noise).sub(sqrtOneMinusAlphaBar(t, x0).mul(x0));
    }

    /** eq. 7: the mean μ̃_t(x_t, x₀) of the posterior q(x_{t−1} | x_t, x₀). */
    public Tensor posteriorMean(Tensor x0, Tensor xt, int[] t) {
        return posteriorMeanCoef1(t, xt).mul(x0).add(posteriorMeanCoef2(t, xt).mul(xt));
    }

    /** eq. 7: log β̃_t, clipped at the first step, on the device of {@code like}. */
    public Tensor posteriorLogVariance(int[] t, Tensor like) {
        return gather("posteriorLogVarianceClipped", schedule::posteriorLogVarianceClipped, t, like);
    }

    /**
     * The reverse step p_θ(x_{t−1} | x_t) a network output implies.
     *
     * @param mean        μθ(x_t, t)
     * @param logVariance log σ²_t, [B,1,1,1] when fixed, elementwise when learned
     * @param start       x̂₀ (clipped when asked)
     * @param noise       ε̂: the network output for ε-prediction, else derived from x̂₀
     */
    public record Output(Tensor mean, Tensor logVariance, Tensor start, Tensor noise) {
    }

    /** Runs the network at x_t and interprets its output. */
    public Output pMeanVariance(Denoiser model, Tensor xt, int[] t, boolean clip, double range) {
        return pMeanVariance(model, xt, t, Clipping.of(clip, range));
    }

    /** Runs the network at x_t and interprets its output, x̂₀ passed through {@code clipping}. */
    public Output pMeanVariance(Denoiser model, Tensor xt, int[] t, Clipping clipping) {
        return interpret(model.apply(xt, timesteps(t, xt)), xt, t, clipping);
    }

    /** Interprets a network output: its first C channels per {@link Prediction}, the rest per {@link VarianceType}. */
    public Output interpret(Tensor out, Tensor xt, int[] t, boolean clip, double range) {
        return interpret(out, xt, t, Clipping.of(clip, range));
    }

    /** {@link #interpret} with x̂₀ passed through {@code clipping}. */
    public Output interpret(Tensor out, Tensor xt, int[] t, Clipping clipping) {
        long c = xt.size(1);
        long expected = variance.learned() ? 2 * c : c;
        if (out.size(1) != expected) {
            throw new IllegalArgumentException("the network outputs " + out.size(1) + " channels but " + variance.configName
                    + " variance on " + c + "-channel data needs " + expected);
        }
        Tensor predicted = variance.learned() ? out.narrow(1, 0, c) : out;
        Tensor varValues = variance.learned() ? out.narrow(1, c, c) : null;
        Tensor logVariance = logVariance(t, varValues, xt);
        Tensor start = clipping.apply(start(xt, t, predicted));
        // The original uses a predicted mean directly; otherwise the mean is eq. 7 at x̂₀.
        Tensor mean = prediction == Prediction.MEAN ? predicted : posteriorMean(start, xt, t);
        Tensor noise = prediction == Prediction.EPSILON ? predicted : predictNoiseFromStart(xt, t, start);
        return new Output(mean, logVariance, start, noise);
    }

    /** x̂₀ implied by the network output {@code out} at x_t. */
    Tensor start(Tensor xt, int[] t, Tensor out) {
        return switch (prediction) {
            case EPSILON -> predictStartFromNoise(xt, t, out);
            case SAMPLE -> out;
            case MEAN -> predictStartFromMean(xt, t, out);
            case V -> predictStartFromV(xt, t, out);
        };
    }

    /** What the network should output for the data x₀ noised with {@code noise} into x_t. */
    Tensor target(Tensor x0, Tensor xt, int[] t, Tensor noise) {
        return switch (prediction) {
            case EPSILON -> noise;
            case SAMPLE -> x0;
            case MEAN -> posteriorMean(x0, xt, t);
            case V -> velocity(x0, t, noise);
        };
    }

    /**
     * log σ²_t, from the schedule or from the network's variance channels {@code values}, on the
     * device of {@code like}.
     */
    Tensor logVariance(int[] t, Tensor values, Tensor like) {
        return switch (variance) {
            case FIXED_LARGE -> gather("fixedLargeLogVariance", this::fixedLargeLogVariance, t, like);
            case FIXED_SMALL -> posteriorLogVariance(t, like);
            case LEARNED -> values;
            case LEARNED_RANGE -> {
                Tensor frac = values.add(new Scalar(1.0)).mul(new Scalar(0.5));
                Tensor maxLog = gather("logBeta", i -> Math.log(schedule.beta(i)), t, like);
                Tensor minLog = posteriorLogVariance(t, like);
                yield frac.mul(maxLog).add(frac.neg().add(new Scalar(1.0)).mul(minLog));
            }
        };
    }

    /** log β_t, except log β̃₁ at the first step, as in the original. */
    private double fixedLargeLogVariance(int i) {
        return i == 0 && schedule.steps() > 1 ? Math.log(schedule.posteriorVariance(1)) : Math.log(schedule.beta(i));
    }

    /**
     * The bound's term at t in bits/dim per image [B]: KL(q(x_{t−1}|x_t,x₀) ‖ p_θ(x_{t−1}|x_t)) for
     * t ≥ 1 and the discretized decoder −log p_θ(x₀|x₁) at the first step.
     */
    public Tensor vbTermBits(Output p, Tensor x0, Tensor xt, int[] t) {
        Tensor kl = Gaussians.meanFlat(Gaussians.normalKl(posteriorMean(x0, xt, t), posteriorLogVariance(t, xt),
                p.mean(), p.logVariance())).div(new Scalar(LN2));
        Tensor nll = Gaussians.meanFlat(Gaussians.discretizedLogLikelihood(x0, p.mean(),
                p.logVariance().mul(new Scalar(0.5)))).neg().div(new Scalar(LN2));
        return MetaKernels.where(timesteps(t, xt).eq(new Scalar(0L)), nll, kl);
    }

    /** The prior term KL(q(x_T | x₀) ‖ N(0, I)) in bits/dim per image [B]. */
    public Tensor priorBits(Tensor x0) {
        int last = schedule.steps() - 1;
        Tensor mean = x0.mul(new Scalar(schedule.sqrtAlphaBar(last)));
        Tensor zero = torch.zeros_like(x0);
        Tensor logVar = zero.add(new Scalar(schedule.logOneMinusAlphaBar(last)));
        return Gaussians.meanFlat(Gaussians.normalKl(mean, logVar, zero, zero)).div(new Scalar(LN2));
    }

    /**
     * The per-image training loss [B] (Algorithm 1) at timesteps t with noise ε, before any
     * importance weights.
     *
     * @param minSnrGamma null, or γ of min-SNR-γ weighting (Hang et al. 2023) applied to the MSE term
     */
    public Tensor trainingLoss(Denoiser model, Tensor x0, int[] t, Tensor noise, LossType loss, Double minSnrGamma) {
        Tensor xt = qSample(x0, t, noise);
        Tensor out = model.apply(xt, timesteps(t, xt));
        long c = x0.size(1);
        Tensor predicted = variance.learned() ? out.narrow(1, 0, c) : out;
        return switch (loss) {
            case SIMPLE -> simple(predicted, x0, xt, t, noise, minSnrGamma);
            case VLB -> vbTermBits(interpret(out, xt, t, false, 1), x0, xt, t);
            case MEAN_MSE -> {
                Output p = interpret(out, xt, t, false, 1);
                Tensor err = posteriorMean(x0, xt, t).sub(p.mean());
                yield Gaussians.meanFlat(err.mul(err).div(torch.exp(p.logVariance()).mul(new Scalar(2 * LN2))));
            }
            case HYBRID -> {
                Tensor frozen = variance.learned()
                        ? torch.cat(new org.bytedeco.pytorch.TensorVector(predicted.detach(), out.narrow(1, c, c)), 1)
                        : out.detach();
                Tensor vb = vbTermBits(interpret(frozen, xt, t, false, 1), x0, xt, t);
                yield simple(predicted, x0, xt, t, noise, minSnrGamma).add(vb.mul(new Scalar(0.001 * schedule.steps())));
            }
        };
    }

    private Tensor simple(Tensor predicted, Tensor x0, Tensor xt, int[] t, Tensor noise, Double minSnrGamma) {
        Tensor err = target(x0, xt, t, noise).sub(predicted);
        Tensor mse = Gaussians.meanFlat(err.mul(err));
        if (minSnrGamma == null) {
            return mse;
        }
        Tensor w = gather("minSnrWeight" + minSnrGamma, i -> minSnrWeight(i, minSnrGamma), t, x0);
        return mse.mul(w.view(t.length));
    }

    /**
     * min(SNR_t, γ) expressed for this parameterization: /SNR for ε, ×1 for x₀, /(SNR + 1) for v,
     * /coef1² for μ̃ (whose error is coef1 times the x₀ error).
     */
    public double minSnrWeight(int t, double gamma) {
        double snr = schedule.alphaBar(t) / (1 - schedule.alphaBar(t));
        double clipped = Math.min(snr, gamma);
        return switch (prediction) {
            case EPSILON -> clipped / snr;
            case SAMPLE -> clipped;
            case V -> clipped / (snr + 1);
            case MEAN -> clipped / (schedule.posteriorMeanCoef1(t) * schedule.posteriorMeanCoef1(t));
        };
    }

    /** x clipped elementwise to [−range, range]. */
    public static Tensor clamp(Tensor x, double range) {
        return torch.clamp(x, new ScalarOptional(new Scalar(-range)), new ScalarOptional(new Scalar(range)));
    }

    /** The int64 timesteps [B] the network is conditioned on, on the device of {@code like}. */
    public Tensor timesteps(int[] t, Tensor like) {
        return coefficients.indices(t, Device.of(like));
    }

    /** The same timestep for every image of a batch. */
    public static int[] fill(int batch, int t) {
        int[] out = new int[batch];
        java.util.Arrays.fill(out, t);
        return out;
    }
}

package ddpm4j.sample;

import ddpm4j.diffusion.Clipping;
import ddpm4j.diffusion.Denoiser;
import ddpm4j.diffusion.GaussianDiffusion;
import ddpm4j.schedule.SchedulerClass;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.torch.Device;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;

/**
 * The k-diffusion samplers of Karras et al. (2022) as diffusers' Euler, Euler ancestral, Heun and LMS
 * schedulers run them: x in variance-exploding form x/α_t (starting at x_T · init σ), the network fed
 * x/√(σ² + 1), and the ODE dx/dσ = (x − x̂₀)/σ stepped from σ to the next σ.
 */
public final class SigmaSampler implements TracedSampler {
    /** The stepping rule. */
    enum Method {
        /** x_next = x + d (σ_next − σ). */
        EULER,
        /** Euler to σ_down, then noise of σ_up: σ_up = √(σ_next²(σ² − σ_next²)/σ²), σ_down = √(σ_next² − σ_up²). */
        EULER_ANCESTRAL,
        /** Euler, then the trapezoid rule with the slope at the Euler point (two passes per step but the last). */
        HEUN,
        /** Linear multistep of order 4 on the last slopes, coefficients integrated from Lagrange polynomials in σ. */
        LMS
    }

    static final int LMS_ORDER = 4;

    private final SigmaSpace space;
    private final Method method;
    private final SigmaSchedule schedule;
    private final Clipping clipping;
    private final double[] passSigmas; // σ at each network pass (Heun visits most twice)
    private final double[] passTimesteps;
    private final Churn churn;

    private SigmaSampler(SigmaSpace space, Method method, SigmaSchedule schedule, Clipping clipping, Churn churn) {
        if (churn != Churn.NONE && churn.sChurn() > 0 && method != Method.EULER && method != Method.HEUN) {
            throw new IllegalArgumentException("s_churn is EDM's churn for Euler's and Heun's steps, not " + method.name().toLowerCase(java.util.Locale.ROOT));
        }
        this.churn = churn;
        this.space = space;
        this.method = method;
        this.schedule = schedule;
        this.clipping = clipping;
        if (method == Method.HEUN) {
            int n = schedule.steps();
            passSigmas = new double[2 * n]; // σ0, σ1, σ1, ..., σ_{n−1}, σ_{n−1}, final
            passTimesteps = new double[2 * n - 1];
            passSigmas[0] = schedule.sigmas()[0];
            passTimesteps[0] = schedule.timesteps()[0];
            for (int i = 1; i < n; i++) {
                passSigmas[2 * i - 1] = passSigmas[2 * i] = schedule.sigmas()[i];
                passTimesteps[2 * i - 1] = passTimesteps[2 * i] = schedule.timesteps()[i];
            }
            passSigmas[2 * n - 1] = schedule.sigmas()[n];
        } else {
            passSigmas = schedule.sigmas();
            passTimesteps = schedule.timesteps();
        }
    }

    static SigmaSampler of(SchedulerClass kind, SchedulerConfig c, GaussianDiffusion diffusion, int steps, Clipping clipping) {
        SigmaSpace space = SigmaSpace.of(c, diffusion);
        Method method = switch (kind) {
            case EULER -> Method.EULER;
            case EULER_ANCESTRAL -> Method.EULER_ANCESTRAL;
            case HEUN -> Method.HEUN;
            case LMS -> Method.LMS;
            case EDM_EULER -> Method.EULER;
            default -> throw new IllegalArgumentException(c.className() + " is not a σ-stepping scheduler");
        };
        return new SigmaSampler(space, method, SigmaSchedule.kDiffusion(c, space, steps), clipping, Churn.of(c));
    }

    @Override
    public int[] timesteps() {
        int[] out = new int[passTimesteps.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) Math.rint(passTimesteps[i]);
        }
        return out;
    }



    /** Pure noise x_T scaled to the loop's variance-exploding form by diffusers' {@code init_noise_sigma}. */
    @Override
    public Tensor initialSample(Tensor xT) {
        return xT.mul(new Scalar(schedule.initNoiseSigma()));
    }

    /** x₀ + σ ε at the pass's σ: the loop's variance-exploding form. */
    @Override
    public Tensor addNoise(Tensor x0, Tensor noise, int start) {
        checkPartWayStart(start);
        return x0.add(noise.mul(new Scalar(passSigmas[start])));
    }

    /** Heun's loop starts at a step's first pass (an even one); the others at any pass. */
    @Override
    public boolean startsAt(int position) {
        return TracedSampler.super.startsAt(position) && (method != Method.HEUN || position % 2 == 0);
    }

    private void checkPartWayStart(int start) {
        TracedSampler.checkStart(start, passes());
        if (!startsAt(start)) {
            throw new IllegalArgumentException("HeunDiscreteScheduler's loop starts at a step's first pass (an even pass), not at "
                    + start);
        }
    }

    @Override
    public Tensor sample(Denoiser model, Tensor x, int first, NoiseSource noise, StepListener listener, Trajectory trajectory) {
        checkPartWayStart(first);
        return ReverseLoop.run(x, first, passes(), (i, current, carry) -> {
            Tensor churned = churned(i, current, noise);
            return pass(model, i, churned, scaleModelInput(churned, i), Math.min(i - first + 1, LMS_ORDER), noise, carry, trajectory);
        }, listener);
    }

    /**
     * The σ pass i steps from: σ̂ of {@link Churn} at a step's first pass (every Euler pass, Heun's even ones), the
     * pass's σ otherwise.
     */
    private double sigmaHat(int i) {
        boolean first = method == Method.EULER || method == Method.HEUN && i % 2 == 0;
        return first ? churn.sigmaHat(passSigmas[i], schedule.steps()) : passSigmas[i];
    }

    /** x̂ = x + √(σ̂² − σ²) s_noise z where churn raises pass i's σ, else x itself. */
    private Tensor churned(int i, Tensor x, NoiseSource noise) {
        double sigma = passSigmas[i];
        double hat = sigmaHat(i);
        if (hat == sigma) {
            return x;
        }
        return x.add(noise.next(Device.of(x)).mul(new Scalar(churn.sNoise() * Math.sqrt(hat * hat - sigma * sigma))));
    }

    /** What the network sees at pass i: x/√(σ² + 1) (diffusers' {@code scale_model_input}), at σ̂ after churn. */
    Tensor scaleModelInput(Tensor x, int i) {
        return x.mul(new Scalar(SigmaSpace.alpha(sigmaHat(i))));
    }

    /**
     * Pass i of the loop (diffusers' {@code step} after the network's output on {@code input}): x to the next σ.
     *
     * @param lmsOrder the order of LMS's step, at most the slopes kept (its loop takes min(passes done + 1, 4))
     */
    Tensor pass(Denoiser model, int i, Tensor x, Tensor input, int lmsOrder, NoiseSource noise, Carry carry, Trajectory trajectory) {
        double sigma = sigmaHat(i);
        double alpha = SigmaSpace.alpha(sigma);
        double t = sigma == passSigmas[i] ? passTimesteps[i] : space.timestepOf(sigma);
        Tensor predicted = space.predict(model, input, t, sigma);
        Tensor x0 = clipping.apply(space.start(predicted, x.mul(new Scalar(alpha)), sigma));
        Tensor next = switch (method) {
            case EULER -> x.add(slope(x, x0, sigma).mul(new Scalar(passSigmas[i + 1] - sigma)));
            case EULER_ANCESTRAL -> ancestral(x, x0, sigma, passSigmas[i + 1], noise.next(Device.of(x)));
            case HEUN -> heun(x, x0, i, carry);
            case LMS -> lms(x, x0, i, lmsOrder, carry.history("slopes", LMS_ORDER));
        };
        double nextSigma = passSigmas[Math.min(i + 1, passSigmas.length - 1)];
        trajectory.step(i, (int) Math.rint(passTimesteps[i]), next.mul(new Scalar(SigmaSpace.alpha(nextSigma))), x0);
        return next;
    }

    /** d = (x − x̂₀)/σ. */
    private static Tensor slope(Tensor x, Tensor x0, double sigma) {
        return x.sub(x0).div(new Scalar(sigma));
    }

    private static Tensor ancestral(Tensor x, Tensor x0, double sigma, double sigmaNext, Tensor z) {
        double up = Math.sqrt(sigmaNext * sigmaNext * (sigma * sigma - sigmaNext * sigmaNext) / (sigma * sigma));
        double down = Math.sqrt(sigmaNext * sigmaNext - up * up);
        return x.add(slope(x, x0, sigma).mul(new Scalar(down - sigma))).add(z.mul(new Scalar(up)));
    }

    /**
     * Pass i of Heun's method: even passes take an Euler step and keep its slope and starting x;
     * odd passes average that slope with the slope at the Euler point and step again from the kept x.
     */
    private Tensor heun(Tensor x, Tensor x0, int i, Carry carry) {
        if (i % 2 == 0) {
            double sigma = sigmaHat(i);
            double dt = passSigmas[i + 1] - sigma;
            Tensor d = slope(x, x0, sigma);
            carry.put("first slope", d);
            carry.put("step start", x);
            return x.add(d.mul(new Scalar(dt)));
        }
        double sigma = sigmaHat(i - 1);
        double sigmaNext = passSigmas[i];
        Tensor d = slope(x, x0, sigmaNext).add(carry.get("first slope")).mul(new Scalar(0.5));
        return carry.get("step start").add(d.mul(new Scalar(sigmaNext - sigma)));
    }

    private Tensor lms(Tensor x, Tensor x0, int i, int order, Carry.History slopes) {
        slopes.push(slope(x, x0, passSigmas[i]));
        Tensor next = x;
        for (int k = 0; k < slopes.size(); k++) { // newest first: coefficient k multiplies the slope k steps back
            next = next.add(slopes.get(k).mul(new Scalar(lmsCoefficient(order, i, k))));
        }
        return next;
    }

    /**
     * ∫ from σ_t to σ_{t+1} of the Lagrange basis polynomial that is 1 at σ_{t−j} and 0 at the other
     * {@code order} − 1 of σ_t, ..., σ_{t−order+1}; Gauss–Legendre with 4 nodes is exact for these degrees.
     */
    double lmsCoefficient(int order, int t, int j) {
        double a = passSigmas[t];
        double b = passSigmas[t + 1];
        double[] nodes = {-0.8611363115940526, -0.3399810435848563, 0.3399810435848563, 0.8611363115940526};
        double[] weights = {0.3478548451374538, 0.6521451548625461, 0.6521451548625461, 0.3478548451374538};
        double sum = 0;
        for (int q = 0; q < nodes.length; q++) {
            double tau = (a + b) / 2 + (b - a) / 2 * nodes[q];
            double prod = 1;
            for (int k = 0; k < order; k++) {
                if (k != j) {
                    prod *= (tau - passSigmas[t - k]) / (passSigmas[t - j] - passSigmas[t - k]);
                }
            }
            sum += weights[q] * prod;
        }
        return sum * (b - a) / 2;
    }

    @Override
    public String toString() {
        return method.name().toLowerCase(java.util.Locale.ROOT) + ", " + schedule.steps() + " steps " + Arrays.toString(timesteps());
    }
}

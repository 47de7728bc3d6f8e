package ddpm4j.sample;

import ddpm4j.diffusion.Denoiser;
import ddpm4j.diffusion.GaussianDiffusion;
import ddpm4j.schedule.NoiseSchedule;
import ddpm4j.schedule.SchedulerClass;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.schedule.Spacing;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;

/**
 * Pseudo numerical methods (Liu et al. 2022, PNDM) as diffusers' {@code PNDMScheduler}: three
 * Runge–Kutta steps of four passes each (PRK), then linear multistep (PLMS, Adams–Bashforth of
 * order up to 4) on the network's outputs, every move made by the transfer x_prev = √(ᾱ_prev/ᾱ_t) x −
 * (ᾱ_prev − ᾱ_t) ε̂ / (ᾱ_t √(1 − ᾱ_prev) + √(ᾱ_t (1 − ᾱ_t) ᾱ_prev)) (their eq. 9). With
 * {@code skip_prk_steps} the warm-up is one Heun-like step (two passes) instead.
 */
public final class PndmSampler implements TracedSampler {
    private final GaussianDiffusion diffusion;
    private final SigmaSpace space;
    private final int[] prk;
    private final int[] plms;
    private final int ratio; // T / S
    private final double finalAlphaBar;

    private PndmSampler(GaussianDiffusion diffusion, int[] prk, int[] plms, int ratio, double finalAlphaBar) {
        this.diffusion = diffusion;
        this.space = new SigmaSpace(diffusion, SchedulerClass.PNDM.className);
        this.prk = prk;
        this.plms = plms;
        this.ratio = ratio;
        this.finalAlphaBar = finalAlphaBar;
    }

    static PndmSampler of(SchedulerConfig c, GaussianDiffusion diffusion, int steps) {
        int total = c.numTrainTimesteps();
        int[] ts = StepSpacing.of(c).kept(total, steps);
        int ratio = total / steps;
        int[] prk;
        int[] plms;
        if (c.bool("skip_prk_steps")) {
            prk = new int[0];
            plms = new int[steps + 1]; // descending, the second-noisiest step twice
            for (int i = 0; i < steps + 1; i++) {
                int j = steps - i;
                plms[i] = ts[j == steps ? steps - 1 : j == steps - 1 ? steps - 2 : j];
            }
            if (steps == 1) {
                plms = new int[] {ts[0]}; // numpy's empty slices leave the one step
            }
        } else {
            if (steps < 4) {
                throw new IllegalArgumentException("PNDMScheduler's Runge-Kutta warm-up needs at least 4 steps, got " + steps
                        + " (or set skip_prk_steps)");
            }
            int half = ratio / 2;
            prk = new int[12]; // three RK4 steps from the four noisiest steps: t, t − T/2S twice, t − T/S
            for (int k = 0; k < 3; k++) {
                int t = ts[steps - 1 - k];
                prk[4 * k] = t;
                prk[4 * k + 1] = t - half;
                prk[4 * k + 2] = t - half;
                prk[4 * k + 3] = ts[steps - 2 - k];
            }
            plms = new int[steps - 3];
            for (int i = 0; i < plms.length; i++) {
                plms[i] = ts[steps - 4 - i];
            }
        }
        double finalAlphaBar = DdimSampler.finalAlphaBar(Samplers.alphaToOne(c), diffusion.schedule());
        return new PndmSampler(diffusion, prk, plms, ratio, finalAlphaBar);
    }

    @Override
    public int[] timesteps() {
        int[] out = Arrays.copyOf(prk, prk.length + plms.length);
        System.arraycopy(plms, 0, out, prk.length, plms.length);
        return out;
    }

    @Override
    public Tensor sample(Denoiser model, Tensor xT, int start, NoiseSource noise, StepListener listener, Trajectory trajectory) {
        int[] passes = timesteps();
        checkPartWayStart(start, passes.length);
        return ReverseLoop.run(xT, start, passes.length, (i, x, carry) -> {
            int t = passes[i];
            NoiseSchedule s = diffusion.schedule();
            double sigma = Math.sqrt((1 - s.alphaBar(t)) / s.alphaBar(t));
            Tensor out = space.predict(model, x, t, sigma);
            Tensor next = i < prk.length ? prkStep(i, t, out, x, carry) : plmsStep(i, t, out, x, carry);
            trajectory.step(i, t, next, space.start(out, x, sigma));
            return next;
        }, listener);
    }

    /** The network's outputs at past steps, newest first (PLMS combines up to four). */
    private static Carry.History outputs(Carry carry) {
        return carry.history("outputs", 4);
    }

    /**
     * A loop starts at pass 0 or after the warm-up's multi-pass steps (the PRK passes, or PLMS's first two
     * passes with skip_prk_steps), where a step is one pass and PLMS builds up its order again.
     */
    private void checkPartWayStart(int start, int passes) {
        TracedSampler.checkStart(start, passes);
        if (!startsAt(start)) {
            throw new IllegalArgumentException("PNDMScheduler's loop starts at pass 0 or from pass " + firstPartWay(passes)
                    + " on (its warm-up steps take several passes); cannot start at " + start);
        }
    }

    @Override
    public boolean startsAt(int position) {
        return TracedSampler.super.startsAt(position) && (position == 0 || position >= firstPartWay(passes()));
    }

    /** The first pass after pass 0 that a loop can start at. */
    private int firstPartWay(int passes) {
        return prk.length > 0 ? prk.length : Math.min(2, passes - 1);
    }

    @Override
    public Tensor addNoise(Tensor x0, Tensor noise, int start) {
        checkPartWayStart(start, passes());
        return diffusion.qSample(x0, GaussianDiffusion.fill((int) x0.size(0), timesteps()[start]), noise);
    }

    /** Pass {@code counter} of the RK4 warm-up: each of the four passes moves from the step's start. */
    private Tensor prkStep(int counter, int t, Tensor eps, Tensor x, Carry carry) {
        int prev = t - (counter % 2 == 1 ? 0 : ratio / 2);
        int from = prk[counter / 4 * 4];
        Tensor used = eps;
        switch (counter % 4) {
            case 0 -> {
                carry.put("rk4 sum", eps.mul(new Scalar(1.0 / 6)));
                outputs(carry).push(eps);
                carry.put("step start", x);
            }
            case 1, 2 -> carry.put("rk4 sum", carry.get("rk4 sum").add(eps.mul(new Scalar(1.0 / 3))));
            default -> {
                used = carry.get("rk4 sum").add(eps.mul(new Scalar(1.0 / 6)));
                carry.put("rk4 sum", null);
            }
        }
        return transfer(carry.get("step start"), from, prev, used);
    }

    /** Pass {@code counter} (the warm-up's passes counted too, as diffusers' counter) of linear multistep on ε̂. */
    private Tensor plmsStep(int counter, int t, Tensor eps, Tensor x, Carry carry) {
        int prev = t - ratio;
        int from = t;
        Carry.History ets = outputs(carry);
        if (counter != 1) {
            ets.push(eps);
        } else {
            prev = t;
            from = t + ratio;
        }
        Tensor[] e = new Tensor[ets.size()]; // newest first
        for (int k = 0; k < e.length; k++) {
            e[k] = ets.get(k);
        }
        Tensor start = x;
        Tensor combined;
        if (e.length == 1 && counter == 0) {
            combined = eps;
            carry.put("step start", x);
        } else if (e.length == 1 && counter > 1) { // started part way: a first-order step
            combined = eps;
        } else if (e.length == 1 && counter == 1) {
            combined = eps.add(e[0]).mul(new Scalar(0.5));
            start = carry.get("step start");
        } else if (e.length == 2) {
            combined = e[0].mul(new Scalar(1.5)).sub(e[1].mul(new Scalar(0.5)));
        } else if (e.length == 3) {
            combined = e[0].mul(new Scalar(23.0 / 12)).sub(e[1].mul(new Scalar(16.0 / 12))).add(e[2].mul(new Scalar(5.0 / 12)));
        } else {
            combined = e[0].mul(new Scalar(55.0 / 24)).sub(e[1].mul(new Scalar(59.0 / 24))).add(e[2].mul(new Scalar(37.0 / 24)))
                    .sub(e[3].mul(new Scalar(9.0 / 24)));
        }
        return transfer(start, from, prev, combined);
    }

    /**
     * PNDM's eq. 9: x at step {@code t} moved to step {@code prev} (below 0: ᾱ = the final value) along
     * ε̂, which {@code out} (the network's parameterization, combined over passes) gives at x and t, as
     * diffusers converts v there.
     */
    private Tensor transfer(Tensor x, int t, int prev, Tensor out) {
        NoiseSchedule s = diffusion.schedule();
        double at = s.alphaBar(t);
        double ap = prev >= 0 ? s.alphaBar(prev) : finalAlphaBar;
        Tensor eps = space.noise(out, x, Math.sqrt((1 - at) / at));
        double denom = at * Math.sqrt(1 - ap) + Math.sqrt(at * (1 - at) * ap);
        return x.mul(new Scalar(Math.sqrt(ap / at))).sub(eps.mul(new Scalar((ap - at) / denom)));
    }

    @Override
    public String toString() {
        return "PNDM, " + (prk.length > 0 ? "PRK then " : "") + "PLMS, timesteps " + Arrays.toString(timesteps());
    }
}

package ddpm4j.sample;

import ddpm4j.diffusion.Clipping;
import ddpm4j.diffusion.Denoiser;
import ddpm4j.diffusion.GaussianDiffusion;
import ddpm4j.schedule.NoiseSchedule;
import ddpm4j.torch.Device;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * RePaint (Lugmayr et al. 2022) as diffusers' {@code RePaintScheduler} and {@code RePaintPipeline} run it: S steps
 * of stride T/S, where the loop goes back up jump_length steps every jump_length steps, jump_n_sample − 1 times
 * (resampling), below step S − jump_length. A step at t is DDIM's (noise scale η) for the unknown pixels and a draw
 * of q(x_{t−1} | x₀) (eq. 4) for the known ones, with the same draw of noise; a step back up re-noises x with
 * q(x_{t+1} | x_t) stride times. jump_n_sample 1 is the replacement method: no resampling.
 */
public final class RePaintSampler implements Sampler {
    private final GaussianDiffusion diffusion;
    private final Clipping clipping;
    private final double eta;
    private final int stride;
    private final int[] visits;
    private final int passes;
    /** diffusers' {@code RePaintPipeline} defaults: 250 steps down, jumps of 10 steps taken 10 times, η 0 (DDIM). */
    public static final int DEFAULT_STEPS = 250;
    public static final int DEFAULT_JUMP_LENGTH = 10;
    public static final int DEFAULT_JUMP_N_SAMPLE = 10;
    public static final double DEFAULT_ETA = 0.0;
    /** The most steps down and up a loop may take (diffusers' defaults take 4,570): the list is made whole. */
    public static final int MAX_VISITS = 10_000_000;

    /**
     * @param steps       S, at most T
     * @param jumpLength  steps per jump back up (the paper's j)
     * @param jumpNSample times each jump is taken plus one (the paper's r)
     * @param eta         the unknown pixels' noise scale: 0 DDIM, 1 DDPM-like
     */
    RePaintSampler(GaussianDiffusion diffusion, Clipping clipping, int steps, int jumpLength, int jumpNSample, double eta) {
        int total = diffusion.schedule().steps();
        if (steps < 1 || steps > total) {
            throw new IllegalArgumentException("steps must be in [1, " + total + "], got " + steps);
        }
        if (jumpLength < 1) {
            throw new IllegalArgumentException("jump_length must be at least 1, got " + jumpLength);
        }
        if (jumpNSample < 1) {
            throw new IllegalArgumentException("jump_n_sample must be at least 1, got " + jumpNSample);
        }
        if (!(eta >= 0 && eta <= 1)) {
            throw new IllegalArgumentException("eta must be in [0, 1], got " + eta);
        }
        long visitCount = visitCount(steps, jumpLength, jumpNSample);
        if (visitCount > MAX_VISITS) {
            throw new IllegalArgumentException("steps " + steps + ", jump_length " + jumpLength + " and jump_n_sample " + jumpNSample
                    + " make " + visitCount + " steps down and up; at most " + MAX_VISITS);
        }
        this.diffusion = diffusion;
        this.clipping = clipping;
        this.eta = eta;
        this.stride = total / steps;
        this.visits = visits(steps, jumpLength, jumpNSample, stride);
        int count = 0;
        for (int i = 0; i < visits.length; i++) {
            if (i == 0 || visits[i] < visits[i - 1]) {
                count++;
            }
        }
        this.passes = count;
    }

    /**
     * {@code visits(...).length} without making the list: S steps down, and each of the ⌈(S − j)/j⌉ jumps taken
     * r − 1 times, j steps up and j down again.
     */
    static long visitCount(int steps, int jumpLength, int jumpNSample) {
        long jumps = steps > jumpLength ? (steps - jumpLength + jumpLength - 1L) / jumpLength : 0;
        return steps + jumps * (jumpNSample - 1L) * 2L * jumpLength;
    }

    /** diffusers' {@code set_timesteps}: every timestep the loop visits, in order, in training steps. */
    static int[] visits(int steps, int jumpLength, int jumpNSample, int stride) {
        Map<Integer, Integer> jumps = new HashMap<>();
        for (int j = 0; j < steps - jumpLength; j += jumpLength) {
            jumps.put(j, jumpNSample - 1);
        }
        List<Integer> out = new ArrayList<>();
        int t = steps;
        while (t >= 1) {
            t--;
            out.add(t);
            if (jumps.getOrDefault(t, 0) > 0) {
                jumps.merge(t, -1, Integer::sum);
                for (int k = 0; k < jumpLength; k++) {
                    t++;
                    out.add(t);
                }
            }
        }
        return out.stream().mapToInt(v -> v * stride).toArray();
    }

    /** The timesteps the loop visits: a network pass where it goes down, a step back up where it goes up. */
    public int[] timesteps() {
        return visits.clone();
    }

    /** Network passes per image. */
    @Override
    public int passes() {
        return passes;
    }

    /** Unconditional sampling by this loop: nothing known. */
    @Override
    public Tensor sample(Denoiser model, Tensor xT, NoiseSource noise, StepListener listener) {
        return sample(model, xT, KnownRegion.NONE, noise, listener, Trajectory.NONE);
    }

    /** Inpainting from x_T: the known pixels drawn from q(x_{t−1} | x₀) at every step down, the others DDIM's step. */
    @Override
    public Tensor sample(Denoiser model, Tensor xT, KnownRegion known, NoiseSource noise, StepListener listener, Trajectory trajectory) {
        NoiseSchedule s = diffusion.schedule();
        int batch = (int) xT.size(0);
        int[] done = {0};
        return ReverseLoop.run(xT, visits.length, (i, x, carry) -> {
            int t = visits[i];
            if (i > 0 && t > visits[i - 1]) {
                return renoise(x, visits[i - 1], noise);
            }
            int prev = t - stride;
            double alphaBarPrev = prev >= 0 ? s.alphaBar(prev) : 1.0;
            GaussianDiffusion.Output p = diffusion.pMeanVariance(model, x, GaussianDiffusion.fill(batch, t), clipping);
            Tensor z = noise.next(Device.of(x)); // drawn at every step: the known pixels take it too
            double sigma = DdimSampler.sigma(eta, s.alphaBar(t), alphaBarPrev);
            Tensor next = DdimSampler.step(p.start(), p.noise(), alphaBarPrev, sigma);
            if (t > 0 && sigma > 0) {
                next = next.add(z.mul(new Scalar(sigma)));
            }
            if (!known.isNone()) {
                next = known.keep(known.image().mul(new Scalar(Math.sqrt(alphaBarPrev))).add(z.mul(new Scalar(Math.sqrt(1 - alphaBarPrev)))), next);
            }
            trajectory.step(done[0], t, next, p.start());
            listener.stepDone(++done[0], passes);
            return next;
        }, StepListener.NONE);
    }

    /** diffusers' {@code undo_step} from the step at {@code from}: stride moves x ← √(1 − β) x + √β z, β from β_from on. */
    private Tensor renoise(Tensor x, int from, NoiseSource noise) {
        Tensor out = x;
        for (int k = 0; k < stride; k++) {
            double beta = diffusion.schedule().beta(from + k);
            out = out.mul(new Scalar(Math.sqrt(1 - beta))).add(noise.next(Device.of(x)).mul(new Scalar(Math.sqrt(beta))));
        }
        return out;
    }
}

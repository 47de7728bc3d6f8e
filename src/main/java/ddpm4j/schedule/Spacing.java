package ddpm4j.schedule;

import java.util.Arrays;
import java.util.Locale;

/**
 * Which of the T training steps a shortened sampler visits: the timestep_spacing of diffusers' schedulers,
 * rounding like numpy (half to even); steps are 0-based indices. diffusers' schedulers space in three ways,
 * each here once: {@link #kept} (DDPM, DDIM, PNDM), {@link #fractional} (Euler, Euler ancestral, Heun, LMS) and
 * {@link #clipped} (DPM-Solver multistep and singlestep, UniPC, DEIS); nothing else in the project spaces timesteps.
 */
public enum Spacing {
    /** 0, T/S, 2T/S, ... with T/S rounded down (DDIM, diffusers' default): the noisiest step is below T−1. */
    LEADING,
    /** T−1, T−1−T/S, ... rounded (Lin et al. 2024): always starts at the noisiest step. */
    TRAILING,
    /** round(linspace(0, T−1, S)): both ends kept. */
    LINSPACE;

    /** The kept steps, ascending and distinct: {@link #kept(int, int, int)} without an offset. */
    public int[] kept(int total, int steps) {
        return kept(total, steps, 0);
    }

    /**
     * The S kept steps of T, ascending and distinct, as DDPMScheduler, DDIMScheduler and PNDMScheduler's
     * {@code set_timesteps} make them; leading steps are shifted up by {@code offset} ({@code steps_offset}, which only
     * leading spacing uses).
     */
    public int[] kept(int total, int steps, int offset) {
        checkSteps(total, steps);
        int[] out = new int[steps];
        switch (this) {
            case LEADING -> {
                int ratio = total / steps;
                for (int i = 0; i < steps; i++) {
                    out[i] = i * ratio;
                }
            }
            case TRAILING -> {
                double ratio = total / (double) steps;
                for (int i = 0; i < steps; i++) {
                    out[steps - 1 - i] = (int) Math.rint(total - i * ratio) - 1; // rint: numpy's round half to even
                }
            }
            case LINSPACE -> {
                for (int i = 0; i < steps; i++) {
                    out[i] = (int) Math.rint(steps == 1 ? 0 : i * (total - 1) / (double) (steps - 1));
                }
            }
        }
        for (int i = 1; i < steps; i++) {
            if (out[i] <= out[i - 1]) {
                throw new IllegalStateException(name() + " spacing repeated a step: " + Arrays.toString(out));
            }
        }
        if (this == LEADING && offset != 0) {
            for (int i = 0; i < steps; i++) {
                out[i] += offset;
                if (out[i] < 0 || out[i] >= total) {
                    throw new IllegalArgumentException("steps_offset " + offset + " moves step " + (out[i] - offset) + " outside 0.." + (total - 1));
                }
            }
        }
        return out;
    }

    /**
     * The S timesteps of the k-diffusion-style schedulers (Euler, Euler ancestral, Heun, LMS), descending, as their
     * {@code set_timesteps} makes them: linspace(0, T−1, S) in float32 (fractional), leading (S−1−k)·⌊T/S⌋ + offset,
     * trailing round(T − k·T/S) − 1.
     */
    public double[] fractional(int total, int steps, int offset) {
        checkSteps(total, steps);
        double[] out = new double[steps];
        for (int k = 0; k < steps; k++) {
            int j = steps - 1 - k; // position in ascending order
            out[k] = switch (this) {
                case LINSPACE -> (float) (steps == 1 ? 0 : j * (total - 1) / (double) (steps - 1));
                case LEADING -> j * (total / steps) + offset;
                case TRAILING -> Math.rint(total - k * (double) total / steps) - 1;
            };
        }
        return out;
    }

    /**
     * The S timesteps of the exponential-integrator schedulers (DPM-Solver multistep and singlestep, UniPC, DEIS),
     * descending, as their {@code set_timesteps} makes them with the schedule cut at {@code last} (the steps below
     * {@code lambda_min_clipped} removed; {@code last} = T without a cut): linspace round(linspace(0, last−1, S+1))
     * without 0, leading (S−k)·⌊last/(S+1)⌋ + offset, trailing round(last − k·T/S) − 1.
     */
    public int[] clipped(int total, int last, int steps, int offset) {
        checkSteps(total, steps);
        int[] out = new int[steps];
        for (int k = 0; k < steps; k++) {
            out[k] = switch (this) {
                case LINSPACE -> (int) Math.rint((last - 1) * (double) (steps - k) / steps);
                case LEADING -> (steps - k) * (last / (steps + 1)) + offset;
                case TRAILING -> (int) Math.rint(last - k * (double) total / steps) - 1;
            };
            if (out[k] < 0 || out[k] >= total) {
                throw new IllegalArgumentException("steps_offset " + offset + " moves a step outside 0.." + (total - 1));
            }
        }
        return out;
    }

    private static void checkSteps(int total, int steps) {
        if (steps < 1 || steps > total) {
            throw new IllegalArgumentException("steps must be in [1, " + total + "], got " + steps);
        }
    }

    /** The diffusers name: leading, trailing or linspace. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Spacing of(String key) {
        for (Spacing s : values()) {
            if (s.key().equals(key)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown timestep spacing '" + key + "' (leading, trailing, linspace)");
    }
}

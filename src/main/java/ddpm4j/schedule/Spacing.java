package ddpm4j.schedule;

import java.util.Arrays;
import java.util.Locale;

/**
 * Which S of the T training steps a shortened sampler keeps: the timestep_spacing of diffusers'
 * schedulers, rounding like numpy (half to even). Steps are 0-based indices.
 */
public enum Spacing {
    /** 0, T/S, 2T/S, ... with T/S rounded down (DDIM, diffusers' default): the noisiest step is below T−1. */
    LEADING,
    /** T−1, T−1−T/S, ... rounded (Lin et al. 2024): always starts at the noisiest step. */
    TRAILING,
    /** round(linspace(0, T−1, S)): both ends kept. */
    LINSPACE;

    /** The kept steps, ascending and distinct. */
    public int[] kept(int total, int steps) {
        if (steps < 1 || steps > total) {
            throw new IllegalArgumentException("steps must be in [1, " + total + "], got " + steps);
        }
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
        return out;
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

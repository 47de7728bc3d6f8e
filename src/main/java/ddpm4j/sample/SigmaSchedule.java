package ddpm4j.sample;

import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.schedule.Spacing;

/**
 * The timesteps and σ's of diffusers' k-diffusion-style schedulers (Euler, Euler ancestral, Heun, LMS),
 * as their {@code set_timesteps} makes them: timesteps by {@code timestep_spacing} (fractional for
 * linspace), σ interpolated there in the training table or Karras' σ's with their fractional
 * timesteps, then the final σ; the starting noise is scaled by {@link #initNoiseSigma}.
 *
 * @param timesteps one per step, descending, possibly fractional
 * @param sigmas    one per step, then the final σ (float32 values, as diffusers stores them)
 */
record SigmaSchedule(double[] timesteps, double[] sigmas, double initNoiseSigma) {
    static SigmaSchedule of(SchedulerConfig c, SigmaSpace space, int steps, boolean finalSigmaMin) {
        double[] train = space.trainingSigmas();
        int total = train.length;
        Spacing spacing = Spacing.of(c.text("timestep_spacing"));
        double[] ts = new double[steps];
        for (int k = 0; k < steps; k++) {
            int j = steps - 1 - k; // position in ascending order
            ts[k] = switch (spacing) {
                case LINSPACE -> (float) (steps == 1 ? 0 : j * (total - 1) / (double) (steps - 1));
                case LEADING -> j * (total / steps) + c.integer("steps_offset");
                case TRAILING -> Math.rint(total - k * (double) total / steps) - 1;
            };
        }
        double[] sig = new double[steps + 1];
        for (int k = 0; k < steps; k++) {
            sig[k] = SigmaSpace.interp(train, ts[k]);
        }
        if (c.has("use_karras_sigmas") && c.bool("use_karras_sigmas")) {
            Double min = c.has("sigma_min") ? c.optionalNumber("sigma_min") : null;
            Double max = c.has("sigma_max") ? c.optionalNumber("sigma_max") : null;
            double[] k = SigmaSpace.karras(min != null ? min : sig[steps - 1], max != null ? max : sig[0], steps);
            double[] logSigmas = new double[total];
            for (int i = 0; i < total; i++) {
                logSigmas[i] = Math.log(train[i]);
            }
            for (int i = 0; i < steps; i++) {
                sig[i] = k[i];
                ts[i] = SigmaSpace.sigmaToT(k[i], logSigmas);
            }
        }
        for (int k = 0; k < steps; k++) {
            sig[k] = SigmaSpace.f32(sig[k]);
        }
        sig[steps] = finalSigmaMin ? SigmaSpace.f32(train[0]) : 0;
        double max = 0;
        for (double s : sig) {
            max = Math.max(max, s);
        }
        double init = spacing == Spacing.LEADING ? Math.sqrt(max * max + 1) : max;
        return new SigmaSchedule(ts, sig, init);
    }

    int steps() {
        return timesteps.length;
    }

    /** The visited timesteps rounded to training steps, for display. */
    int[] roundedTimesteps() {
        int[] out = new int[timesteps.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) Math.rint(timesteps[i]);
        }
        return out;
    }
}

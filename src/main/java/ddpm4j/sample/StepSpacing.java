package ddpm4j.sample;

import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.schedule.Spacing;

/**
 * A scheduler configuration's {@code timestep_spacing} and {@code steps_offset}, read in this one place: linspace and
 * 0 where the scheduler has no such key (DPMSolverSinglestepScheduler). The spacing itself is {@link Spacing}'s.
 *
 * @param spacing {@code timestep_spacing}
 * @param offset  {@code steps_offset}, added to leading spacing's steps
 */
record StepSpacing(Spacing spacing, int offset) {
    static StepSpacing of(SchedulerConfig c) {
        return new StepSpacing(c.has("timestep_spacing") ? Spacing.of(c.text("timestep_spacing")) : Spacing.LINSPACE,
                c.has("steps_offset") ? c.integer("steps_offset") : 0);
    }

    /** {@link Spacing#kept(int, int, int)}: DDPM, DDIM, PNDM. */
    int[] kept(int total, int steps) {
        return spacing.kept(total, steps, offset);
    }

    /** {@link Spacing#fractional}: Euler, Euler ancestral, Heun, LMS. */
    double[] fractional(int total, int steps) {
        return spacing.fractional(total, steps, offset);
    }

    /** {@link Spacing#clipped}: DPM-Solver multistep and singlestep, UniPC, DEIS. */
    int[] clipped(int total, int last, int steps) {
        return spacing.clipped(total, last, steps, offset);
    }
}

package ddpm4j.sample;

import ddpm4j.schedule.SchedulerClass;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.schedule.Spacing;

import java.util.HashSet;
import java.util.Set;

/**
 * The keys of diffusers' exponential-integrator schedulers (DPMSolverMultistepScheduler, DPMSolverSinglestepScheduler,
 * UniPCMultistepScheduler, DEISMultistepScheduler), read once where a sampler is made and spelled nowhere else in the
 * samplers. A key the scheduler does not have takes the value the scheduler behaves as.
 *
 * @param order            {@code solver_order}
 * @param algorithm        {@code algorithm_type} (DEIS's "deis" read as dpmsolver++, as diffusers' DPM-Solvers read it); dpmsolver++ where absent
 * @param solverType       {@code solver_type}: midpoint, heun, logrho, bh1 or bh2
 * @param lowerOrderFinal  {@code lower_order_final}
 * @param eulerAtFinal     {@code euler_at_final} (DPM-Solver multistep)
 * @param finalSigma       what the last step reaches: {@code final_sigmas_type}, and where Karras σ's end
 * @param lambdaMinClipped {@code lambda_min_clipped}: the steps whose λ is below it are not visited (−∞: none)
 * @param spacing          {@code timestep_spacing} and {@code steps_offset}
 * @param spread           how the σ's are spread: {@code use_karras_sigmas}, {@code use_lu_lambdas}
 * @param predictX0        {@code predict_x0} (UniPC)
 * @param disableCorrector {@code disable_corrector} (UniPC): the steps whose corrector is skipped
 */
record SolverOptions(int order, DpmSolverStep.Algorithm algorithm, String solverType, boolean lowerOrderFinal, boolean eulerAtFinal,
                     SigmaSchedule.FinalSigma finalSigma, double lambdaMinClipped, StepSpacing spacing, SigmaSpace.Spread spread,
                     boolean predictX0, Set<Integer> disableCorrector) {
    static SolverOptions of(SchedulerConfig c) {
        String algorithm = c.has("algorithm_type") ? c.text("algorithm_type") : "dpmsolver++";
        SigmaSpace.Spread spread = SigmaSpace.Spread.of(c);
        SigmaSchedule.FinalSigma last = SigmaSchedule.FinalSigma.of(c, SigmaSchedule.FinalSigma.SIGMA_MIN);
        boolean endsOnLast = c.scheduler() == SchedulerClass.UNIPC || c.scheduler() == SchedulerClass.DEIS;
        if (last != SigmaSchedule.FinalSigma.ZERO && endsOnLast && spread == SigmaSpace.Spread.KARRAS) {
            last = SigmaSchedule.FinalSigma.LAST_REPEATED;
        }
        Set<Integer> disabled = new HashSet<>();
        if (c.has("disable_corrector")) {
            for (Object k : c.list("disable_corrector")) {
                disabled.add(((Number) k).intValue());
            }
        }
        return new SolverOptions(c.integer("solver_order"), DpmSolverStep.Algorithm.of(algorithm.equals("deis") ? "dpmsolver++" : algorithm),
                c.text("solver_type"), c.bool("lower_order_final"), c.has("euler_at_final") && c.bool("euler_at_final"), last,
                c.has("lambda_min_clipped") ? c.number("lambda_min_clipped") : Double.NEGATIVE_INFINITY,
                StepSpacing.of(c), spread, c.has("predict_x0") && c.bool("predict_x0"), Set.copyOf(disabled));
    }

    /** diffusers' "midpoint" second-order term (any solver type but heun). */
    boolean midpoint() {
        return !solverType.equals("heun");
    }

    /** Refuses what the DPM-Solvers do not define: third order for the SDE variants, a final σ of 0 when predicting ε. */
    SolverOptions requireDefinedForDpmSolver() {
        if (algorithm.sde() && order == 3) {
            throw new IllegalArgumentException("'solver_order' 3 is not defined for algorithm_type '" + algorithm.key + "' (1 or 2)");
        }
        if (finalSigma == SigmaSchedule.FinalSigma.ZERO && !algorithm.data()) {
            throw new IllegalArgumentException("'final_sigmas_type' 'zero' is not defined for algorithm_type '" + algorithm.key
                    + "' (use sigma_min)");
        }
        return this;
    }
}

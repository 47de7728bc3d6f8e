package ddpm4j.schedule;

import java.util.List;
import java.util.function.Function;

/**
 * The noise process of EDM (Karras et al. 2022) as diffusers' EDM schedulers configure it: x_σ = x₀ + σ ε for σ from
 * {@code sigma_min} to {@code sigma_max}, visited on Karras' ρ-spaced grid (or evenly in log σ), for a network
 * preconditioned with the data's standard deviation {@code sigma_data}.
 *
 * @param sigmaMin      {@code sigma_min}
 * @param sigmaMax      {@code sigma_max}
 * @param sigmaData     {@code sigma_data}
 * @param exponential   {@code sigma_schedule} "exponential" (else "karras")
 * @param rho           {@code rho}: ρ of the Karras grid
 */
public record EdmProcess(double sigmaMin, double sigmaMax, double sigmaData, boolean exponential, double rho) {
    /** The keys of the process, as {@link SchedulerClass} declares them. */
    static final List<String> KEYS = SchedulerClass.edmProcessKeys();
    /** The key whose presence marks a configuration as an EDM process when another scheduler reads it. */
    static final String MARKER = "sigma_data";

    public EdmProcess {
        if (!(sigmaMin > 0 && sigmaMax > sigmaMin && Double.isFinite(sigmaMax))) {
            throw new IllegalArgumentException("sigma_min and sigma_max must satisfy 0 < sigma_min < sigma_max, got " + sigmaMin + " and " + sigmaMax);
        }
        if (!(sigmaData > 0 && Double.isFinite(sigmaData))) {
            throw new IllegalArgumentException("sigma_data must be positive, got " + sigmaData);
        }
        if (!(rho > 0 && Double.isFinite(rho))) {
            throw new IllegalArgumentException("rho must be positive, got " + rho);
        }
    }

    /** diffusers' defaults (EDM's): σ from 0.002 to 80 on Karras' grid with ρ = 7, σ_data 0.5. */
    public static EdmProcess defaults() {
        return of(name -> SchedulerClass.EDM_EULER.key(name).fallback());
    }

    /** The same process for data of standard deviation {@code sigmaData}. */
    public EdmProcess withSigmaData(double sigmaData) {
        return new EdmProcess(sigmaMin, sigmaMax, sigmaData, exponential, rho);
    }

    /** The keys of a scheduler_config.json that describe this process. */
    java.util.Map<String, Object> settings() {
        return java.util.Map.of("sigma_min", sigmaMin, "sigma_max", sigmaMax, "sigma_data", sigmaData,
                "sigma_schedule", exponential ? "exponential" : "karras", "rho", rho);
    }

    static EdmProcess of(Function<String, Object> key) {
        return new EdmProcess((Double) key.apply("sigma_min"), (Double) key.apply("sigma_max"), (Double) key.apply("sigma_data"),
                key.apply("sigma_schedule").equals("exponential"), (Double) key.apply("rho"));
    }

    /**
     * n σ's from σ_max down to σ_min (diffusers' EDM {@code set_timesteps} before the final σ): Karras et al. eq. 5,
     * (σ_max^{1/ρ} + r (σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ at r = 0, 1/(n−1), …, 1, or exp of the same ramp in log σ
     * (exponential); n = 1 gives σ_max.
     */
    public double[] sigmas(int n) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            double ramp = n == 1 ? 0 : i / (double) (n - 1);
            out[i] = exponential ? Math.exp(Math.log(sigmaMax) + ramp * (Math.log(sigmaMin) - Math.log(sigmaMax)))
                    : Math.pow(Math.pow(sigmaMax, 1 / rho) + ramp * (Math.pow(sigmaMin, 1 / rho) - Math.pow(sigmaMax, 1 / rho)), rho);
        }
        return out;
    }
}

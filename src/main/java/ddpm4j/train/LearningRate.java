package ddpm4j.train;

/**
 * The original code's schedule, linear warm-up to the base rate then constant, with an optional
 * linear decay to zero over the run's last steps (a cool-down after the constant phase).
 */
public final class LearningRate {
    private LearningRate() {
    }

    /** lr · min(1, n / warmup) for the n-th update (1-based); the base rate when warmup is 0. */
    public static double at(double lr, long warmup, long n) {
        return warmup <= 0 ? lr : lr * Math.min(1.0, (double) n / warmup);
    }

    /**
     * {@link #at(double, long, long)} times min(1, (steps − n + 1) / decay) for the n-th of
     * {@code steps} updates: constant until the last {@code decay} updates, which fall linearly to
     * lr / decay at the last one; no decay when {@code decay} is 0.
     */
    public static double at(double lr, long warmup, long decay, long steps, long n) {
        double warm = at(lr, warmup, n);
        return decay <= 0 ? warm : warm * Math.min(1.0, (double) (steps - n + 1) / decay);
    }
}

package ddpm4j.train;

/** The original code's schedule: linear warm-up to the base rate, then constant. */
public final class LearningRate {
    private LearningRate() {
    }

    /** lr · min(1, n / warmup) for the n-th update (1-based); the base rate when warmup is 0. */
    public static double at(double lr, long warmup, long n) {
        return warmup <= 0 ? lr : lr * Math.min(1.0, (double) n / warmup);
    }
}

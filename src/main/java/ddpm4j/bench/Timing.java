package ddpm4j.bench;

import java.io.IOException;

/**
 * Warm-up by time, then timed steps. The first seconds of a JVM run are slower (the JIT compiles
 * the hot paths on the same cores, oneDNN builds its kernels, the allocator grows its arenas), so
 * a fixed count of warm-up steps under-reports fast steps; both sides of bench/compare.sh warm up
 * for the same number of seconds.
 */
final class Timing {
    /** One step; returns the milliseconds of its timed part. */
    interface Step {
        double run() throws IOException;
    }

    private Timing() {
    }

    /** The median of {@code ms} (any order; not changed). */
    static double median(double[] ms) {
        double[] sorted = ms.clone();
        java.util.Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** Untimed steps until {@code warmupSeconds} have passed (at least two), then {@code iterations} timed ones. */
    static double[] measure(Step step, double warmupSeconds, int iterations) throws IOException {
        long start = System.nanoTime();
        for (int i = 0; i < 2 || System.nanoTime() - start < warmupSeconds * 1e9; i++) {
            step.run();
        }
        double[] ms = new double[iterations];
        for (int i = 0; i < iterations; i++) {
            ms[i] = step.run();
        }
        return ms;
    }
}

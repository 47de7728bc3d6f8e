package ddpm4j.train;

/**
 * Every random choice of a training run derives from (seed, stream, index), so a run resumed
 * from a checkpoint at step n draws exactly what the uninterrupted run drew after step n.
 */
final class Seeds {
    static final long DATA_ORDER = 1;
    static final long FLIP = 2;
    static final long STEP = 3;
    static final long DROPOUT = 4;
    static final long LABEL_DROPOUT = 5;

    private Seeds() {
    }

    /** A well-mixed 64-bit seed (SplitMix64 finaliser over the three inputs). */
    static long of(long seed, long stream, long index) {
        long z = seed * 0x9E3779B97F4A7C15L + stream * 0xC2B2AE3D27D4EB4FL + index + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

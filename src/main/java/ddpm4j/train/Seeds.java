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

    /** A well-mixed 64-bit seed. */
    static long of(long seed, long stream, long index) {
        return ddpm4j.sample.SplitMix.mix(seed, stream, index);
    }
}

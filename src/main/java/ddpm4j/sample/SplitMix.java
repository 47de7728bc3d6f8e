package ddpm4j.sample;

/** The SplitMix64 finaliser over (seed, stream, index): the per-image noise streams and the trainer's draws. */
public final class SplitMix {
    private SplitMix() {
    }

    /** A well-spread 64-bit seed for element {@code index} of {@code stream} under {@code seed}. */
    public static long mix(long seed, long stream, long index) {
        long z = seed * 0x9E3779B97F4A7C15L + stream * 0xC2B2AE3D27D4EB4FL + index + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

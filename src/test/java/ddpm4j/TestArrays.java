package ddpm4j;

import java.util.Random;

/** Arrays for tests, the same on every machine (java.util.Random, not a native generator). */
public final class TestArrays {
    private TestArrays() {
    }

    /** {@code n} standard normal numbers from {@code seed}. */
    public static float[] gaussian(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }
}

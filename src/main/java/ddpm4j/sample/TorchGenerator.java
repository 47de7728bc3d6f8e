package ddpm4j.sample;

/**
 * PyTorch's CPU random generator as {@code torch.manual_seed(seed)} leaves it (MT19937 seeded with the
 * low 32 bits), and {@code torch.randn} of float32 tensors drawn from it: uniforms (u32 &amp; 2²⁴−1)·2⁻²⁴,
 * turned into normals 16 at a time by Box–Muller on pairs (j, j + 8), the last 16 redrawn when the
 * count is not a multiple of 16. Values agree with PyTorch's to float rounding of log, sin and cos.
 */
final class TorchGenerator {
    private static final int N = 624;
    private static final int M = 397;

    private final int[] state = new int[N];
    private int next = N;

    TorchGenerator(long seed) {
        state[0] = (int) seed;
        for (int j = 1; j < N; j++) {
            state[j] = 1812433253 * (state[j - 1] ^ (state[j - 1] >>> 30)) + j;
        }
    }

    /** The next 32 random bits (MT19937's genrand_int32). */
    int random() {
        if (next >= N) {
            twist();
        }
        int y = state[next++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        return y ^ (y >>> 18);
    }

    private void twist() {
        for (int k = 0; k < N; k++) {
            int y = (state[k] & 0x80000000) | (state[(k + 1) % N] & 0x7fffffff);
            state[k] = state[(k + M) % N] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908b0df : 0);
        }
        next = 0;
    }

    /** A float32 uniform in [0, 1) as torch's uniform_real_distribution&lt;float&gt; draws it. */
    float uniform() {
        return (random() & 0xFFFFFF) * 0x1p-24f;
    }

    /** {@code torch.randn(n)} in float32; n must be at least 16 (smaller draws take another path in PyTorch). */
    float[] randn(int n) {
        if (n < 16) {
            throw new IllegalArgumentException("torch-compatible noise needs at least 16 values per draw, got " + n);
        }
        float[] d = new float[n];
        for (int i = 0; i < n; i++) {
            d[i] = uniform();
        }
        for (int i = 0; i + 16 <= n; i += 16) {
            boxMuller16(d, i);
        }
        if (n % 16 != 0) {
            int from = n - 16;
            for (int i = 0; i < 16; i++) {
                d[from + i] = uniform();
            }
            boxMuller16(d, from);
        }
        return d;
    }

    private static void boxMuller16(float[] d, int at) {
        for (int j = 0; j < 8; j++) {
            float u1 = 1 - d[at + j];
            float u2 = d[at + j + 8];
            float radius = (float) Math.sqrt(-2f * (float) Math.log(u1));
            float theta = (float) (2.0 * Math.PI * u2);
            d[at + j] = radius * (float) Math.cos(theta);
            d[at + j + 8] = radius * (float) Math.sin(theta);
        }
    }
}

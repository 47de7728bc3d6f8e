package ddpm4j.bench;

import ddpm4j.torch.Natives;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The CPU's practical float32 peak as libtorch reaches it: the median GFLOP/s of an n×n by n×n
 * matrix product ({@code torch.mm}, the BLAS libtorch is built with), the yardstick of a network
 * step's GFLOP/s.
 */
public final class SgemmBenchmark {
    private SgemmBenchmark() {
    }

    /** GFLOP/s (2n³ per product) of the median of {@code iterations} products after {@code warmupSeconds}. */
    public static double gflops(int n, double warmupSeconds, int iterations) throws java.io.IOException {
        Natives.load();
        try (PointerScope scope = new PointerScope()) {
            Tensor a = torch.randn(n, n);
            Tensor b = torch.randn(n, n);
            double[] ms = Timing.measure(() -> {
                try (PointerScope step = new PointerScope()) {
                    long start = System.nanoTime();
                    torch.mm(a, b);
                    return (System.nanoTime() - start) / 1e6;
                }
            }, warmupSeconds, iterations);
            return 2.0 * n * n * n / (Timing.median(ms) / 1e3) / 1e9;
        }
    }
}

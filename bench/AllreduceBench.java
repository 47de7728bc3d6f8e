import ddpm4j.dist.DistEnv;
import ddpm4j.dist.Group;
import ddpm4j.torch.Natives;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.Arrays;

/**
 * The time of one float32 allreduce through ddpm4j's Gloo group, by size, between the ranks that
 * bench/allreduce.sh starts: rank 0 prints floats, MB, median seconds of 7 (after 2 warm-up calls) and MB/s.
 */
public class AllreduceBench {
    public static void main(String[] args) {
        Natives.load();
        try (Group g = Group.join(DistEnv.fromEnvironment())) {
            if (g.isMain()) {
                System.out.println("floats\tMB\tmedian_s\tMB_per_s");
            }
            for (long n : new long[] {1_000, 100_000, 1_000_000, 4_000_000, 16_000_000, 36_000_000}) {
                double[] times = new double[9];
                for (int i = 0; i < times.length; i++) {
                    try (PointerScope scope = new PointerScope()) {
                        Tensor t = torch.ones(n);
                        g.barrier();
                        long start = System.nanoTime();
                        g.allreduceSum(t);
                        times[i] = (System.nanoTime() - start) / 1e9;
                    }
                }
                double[] timed = Arrays.copyOfRange(times, 2, times.length);
                Arrays.sort(timed);
                double median = timed[timed.length / 2];
                if (g.isMain()) {
                    System.out.printf("%d\t%.1f\t%.5f\t%.0f%n", n, n * 4 / 1e6, median, n * 4 / 1e6 / median);
                }
            }
        }
    }
}

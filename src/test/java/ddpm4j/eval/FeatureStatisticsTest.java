package ddpm4j.eval;

import ddpm4j.io.FormatException;
import ddpm4j.io.Npy;
import ddpm4j.io.Npz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FeatureStatisticsTest {
    @TempDir
    Path dir;

    @Test
    void meanAndUnbiasedCovarianceMatchATwoPassComputation() {
        int n = 50;
        int d = 3;
        SplittableRandom r = new SplittableRandom(4);
        float[] x = new float[n * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * (1 + i % d) + i % d);
        }
        FeatureStatistics s = FeatureStatistics.of(x, n, d);
        for (int a = 0; a < d; a++) {
            double ma = 0;
            for (int i = 0; i < n; i++) {
                ma += x[i * d + a] / (double) n;
            }
            assertEquals(ma, s.mu()[a], 1e-9);
            for (int b = 0; b < d; b++) {
                double mb = 0;
                for (int i = 0; i < n; i++) {
                    mb += x[i * d + b] / (double) n;
                }
                double c = 0;
                for (int i = 0; i < n; i++) {
                    c += (x[i * d + a] - ma) * (x[i * d + b] - mb);
                }
                assertEquals(c / (n - 1), s.sigma()[a * d + b], 1e-9);
            }
        }
    }

    @Test
    void npzRoundTripInPytorchFidsLayout() throws Exception {
        FeatureStatistics s = new FeatureStatistics(new double[] {1.5, -2}, new double[] {2, 0.5, 0.5, 1}, 0);
        Path f = dir.resolve("stats.npz");
        s.write(f);
        Map<String, Npy.Array> raw = Npz.read(f);
        assertEquals(Npy.DType.FLOAT64, raw.get("mu").dtype());
        assertArrayEquals(new long[] {2, 2}, raw.get("sigma").shape());
        FeatureStatistics back = FeatureStatistics.read(f);
        assertArrayEquals(s.mu(), back.mu());
        assertArrayEquals(s.sigma(), back.sigma());
    }

    @Test
    void filesWithoutMuAndSigmaAreRejected() throws Exception {
        Path f = dir.resolve("bad.npz");
        Npz.write(f, Map.of("mu", Npy.encodeDoubles(new long[] {2}, new double[2]),
                "sigma", Npy.encodeDoubles(new long[] {3}, new double[3])));
        assertThrows(FormatException.class, () -> FeatureStatistics.read(f));
        Npz.write(f, Map.of("mean", Npy.encodeDoubles(new long[] {2}, new double[2])));
        assertThrows(FormatException.class, () -> FeatureStatistics.read(f));
    }
}

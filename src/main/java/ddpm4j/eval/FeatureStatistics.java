package ddpm4j.eval;

import ddpm4j.io.FormatException;
import ddpm4j.io.Npy;
import ddpm4j.io.Npz;
import ddpm4j.torch.Natives;
import ddpm4j.torch.Tensors;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Mean and covariance of feature vectors, the Gaussian FID compares; stored as pytorch-fid's
 * {@code .npz} ({@code mu} [d], {@code sigma} [d,d], float64).
 *
 * @param mu    mean, d values
 * @param sigma covariance, d·d values row by row (unbiased, as {@code np.cov(rowvar=False)})
 * @param count number of feature vectors behind the estimate (0 when read from a file)
 */
public record FeatureStatistics(double[] mu, double[] sigma, int count) {
    public FeatureStatistics {
        if (mu.length == 0 || sigma.length != (long) mu.length * mu.length) {
            throw new IllegalArgumentException("sigma must be " + mu.length + "x" + mu.length);
        }
    }

    public int dim() {
        return mu.length;
    }

    /** The statistics of {@code n} feature vectors of size {@code d}, row by row. */
    public static FeatureStatistics of(float[] features, int n, int d) {
        if (n < 2 || (long) n * d != features.length) {
            throw new IllegalArgumentException("need at least 2 feature vectors of " + d + " values, got " + features.length + " values");
        }
        Natives.load();
        try (PointerScope scope = new PointerScope()) {
            Tensor x = Tensors.fromFloats(features, n, d).to(torch.ScalarType.Double);
            Tensor mean = x.mean(new long[] {0}, false, new org.bytedeco.pytorch.ScalarTypeOptional());
            Tensor centered = x.sub(mean);
            Tensor cov = torch.matmul(centered.t(), centered).div(new org.bytedeco.pytorch.Scalar(n - 1.0)).contiguous();
            return new FeatureStatistics(doubles(mean.contiguous(), d), doubles(cov, (long) d * d), n);
        }
    }

    private static double[] doubles(Tensor t, long count) {
        double[] out = new double[Math.toIntExact(count)];
        new DoublePointer(t.data_ptr()).get(out, 0, out.length);
        return out;
    }

    /** Reads pytorch-fid's statistics file. */
    public static FeatureStatistics read(Path file) throws IOException {
        return of(file, Npz.read(file));
    }

    /** Whether the arrays of an .npz are FID statistics ({@code mu} and {@code sigma}) rather than e.g. images. */
    public static boolean areStatistics(Map<String, Npy.Array> arrays) {
        return arrays.containsKey("mu") && arrays.containsKey("sigma");
    }

    /** The statistics in the already-read arrays of {@code file}. */
    public static FeatureStatistics of(Path file, Map<String, Npy.Array> arrays) throws FormatException {
        Npy.Array mu = arrays.get("mu");
        Npy.Array sigma = arrays.get("sigma");
        if (mu == null || sigma == null) {
            throw new FormatException(file, "FID statistics need arrays 'mu' and 'sigma'; found " + arrays.keySet());
        }
        long d = mu.shape().length == 1 ? mu.shape()[0] : -1;
        if (d < 1 || !Arrays.equals(sigma.shape(), new long[] {d, d})) {
            throw new FormatException(file, "'mu' must be [d] and 'sigma' [d,d]; got " + Arrays.toString(mu.shape())
                    + " and " + Arrays.toString(sigma.shape()));
        }
        double[] m = mu.toDoubles();
        double[] s = sigma.toDoubles();
        for (double v : s) {
            if (!Double.isFinite(v)) {
                throw new FormatException(file, "'sigma' holds a non-finite value");
            }
        }
        for (double v : m) {
            if (!Double.isFinite(v)) {
                throw new FormatException(file, "'mu' holds a non-finite value");
            }
        }
        String notCovariance = notACovariance(s, (int) d);
        if (notCovariance != null) {
            throw new FormatException(file, "'sigma' is not a covariance: " + notCovariance);
        }
        return new FeatureStatistics(m, s, 0);
    }

    /**
     * Why {@code sigma [d,d]} cannot be a covariance (asymmetric beyond rounding, or an eigenvalue below zero
     * beyond rounding), or null.
     */
    static String notACovariance(double[] sigma, int d) {
        double largestVariance = 0;
        for (int i = 0; i < d; i++) {
            largestVariance = Math.max(largestVariance, Math.abs(sigma[i * d + i]));
        }
        for (int i = 0; i < d; i++) {
            for (int j = i + 1; j < d; j++) {
                if (Math.abs(sigma[i * d + j] - sigma[j * d + i]) > 1e-6 * largestVariance) {
                    return "[" + i + "," + j + "] is " + sigma[i * d + j] + " but [" + j + "," + i + "] is " + sigma[j * d + i];
                }
            }
        }
        double[] eigenvalues = FrechetDistance.eigenvalues(new org.ejml.data.DMatrixRMaj(d, d, true, sigma));
        double smallest = Arrays.stream(eigenvalues).min().orElse(0);
        double largest = Arrays.stream(eigenvalues).map(Math::abs).max().orElse(0);
        return smallest < -1e-6 * largest ? "it has the negative eigenvalue " + smallest : null;
    }

    /** Writes pytorch-fid's statistics file (atomically). */
    public void write(Path file) throws IOException {
        Map<String, byte[]> arrays = new LinkedHashMap<>();
        arrays.put("mu", Npy.encodeDoubles(new long[] {dim()}, mu));
        arrays.put("sigma", Npy.encodeDoubles(new long[] {dim(), dim()}, sigma));
        Npz.write(file, arrays);
    }
}

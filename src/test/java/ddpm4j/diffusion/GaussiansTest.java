package ddpm4j.diffusion;

import ddpm4j.torch.Natives;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class GaussiansTest {
    @BeforeAll
    static void natives() {
        Natives.load();
    }

    static Tensor of(double... v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return Tensors.fromFloats(f, 1, v.length);
    }

    @Test
    void klOfEqualGaussiansIsZeroAndFollowsTheClosedForm() {
        float[] same = Tensors.toFloats(Gaussians.normalKl(of(0.3, -2), of(-1, 0.5), of(0.3, -2), of(-1, 0.5)));
        assertEquals(0, same[0], 1e-7);
        assertEquals(0, same[1], 1e-7);
        double m1 = 0.5, lv1 = -1.2, m2 = -0.25, lv2 = 0.4;
        double expected = Math.log(Math.exp(lv2 / 2) / Math.exp(lv1 / 2))
                + (Math.exp(lv1) + (m1 - m2) * (m1 - m2)) / (2 * Math.exp(lv2)) - 0.5;
        assertEquals(expected, Tensors.toFloats(Gaussians.normalKl(of(m1), of(lv1), of(m2), of(lv2)))[0], 1e-6);
    }

    @Test
    void cdfApproximationIsCloseToPhi() {
        double[] xs = {-3, -1.5, -0.2, 0, 0.7, 2.5};
        float[] got = Tensors.toFloats(Gaussians.approxStandardNormalCdf(of(xs)));
        for (int i = 0; i < xs.length; i++) {
            assertEquals(phi(xs[i]), got[i], 1e-3, "x = " + xs[i]);
        }
    }

    /** Φ by numerical integration of the density (Simpson's rule), independent of the tanh form. */
    static double phi(double x) {
        int n = 20000;
        double a = -12;
        double h = (x - a) / n;
        double s = 0;
        for (int i = 0; i <= n; i++) {
            double u = a + i * h;
            double f = Math.exp(-u * u / 2) / Math.sqrt(2 * Math.PI);
            s += f * (i == 0 || i == n ? 1 : i % 2 == 1 ? 4 : 2);
        }
        return s * h / 3;
    }

    @Test
    void discretizedLikelihoodOf256BinsSumsToOne() {
        double[] bins = new double[256];
        for (int k = 0; k < 256; k++) {
            bins[k] = k / 127.5 - 1;
        }
        for (double[] ms : new double[][] {{0.1, Math.log(0.3)}, {-0.9, Math.log(0.02)}, {0.999, Math.log(2.0)}}) {
            double[] mean = new double[256];
            double[] logScale = new double[256];
            java.util.Arrays.fill(mean, ms[0]);
            java.util.Arrays.fill(logScale, ms[1]);
            float[] logp = Tensors.toFloats(Gaussians.discretizedLogLikelihood(of(bins), of(mean), of(logScale)));
            double total = 0;
            for (float lp : logp) {
                total += Math.exp(lp);
            }
            assertEquals(1.0, total, 2e-5, "mean " + ms[0] + ", scale " + Math.exp(ms[1]));
        }
    }
}

package ddpm4j.eval;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FrechetDistanceTest {
    private static FeatureStatistics stats(double[] mu, double[][] sigma) {
        int d = mu.length;
        double[] flat = new double[d * d];
        for (int i = 0; i < d; i++) {
            System.arraycopy(sigma[i], 0, flat, i * d, d);
        }
        return new FeatureStatistics(mu, flat, 0);
    }

    private static double[][] diag(double... v) {
        double[][] m = new double[v.length][v.length];
        for (int i = 0; i < v.length; i++) {
            m[i][i] = v[i];
        }
        return m;
    }

    /** A random symmetric positive-definite matrix A Aᵀ + 0.1 I. */
    private static double[][] randomCovariance(int d, SplittableRandom r) {
        double[][] a = new double[d][d];
        for (double[] row : a) {
            for (int j = 0; j < d; j++) {
                row[j] = r.nextGaussian();
            }
        }
        double[][] s = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                for (int k = 0; k < d; k++) {
                    s[i][j] += a[i][k] * a[j][k];
                }
            }
            s[i][i] += 0.1;
        }
        return s;
    }

    @Test
    void identicalStatisticsAreAtDistanceZero() {
        double[][] s = randomCovariance(12, new SplittableRandom(1));
        double[] mu = new SplittableRandom(2).doubles(12).toArray();
        assertEquals(0, FrechetDistance.between(stats(mu, s), stats(mu, s)), 1e-9);
    }

    @Test
    void diagonalGaussiansMatchTheClosedForm() {
        double[] v1 = {1, 4, 0.25, 9};
        double[] v2 = {2, 1, 0.25, 16};
        double[] m1 = {0, 1, 2, 3};
        double[] m2 = {1, 1, 0, 3};
        double want = 0;
        for (int i = 0; i < 4; i++) {
            want += (m1[i] - m2[i]) * (m1[i] - m2[i]) + v1[i] + v2[i] - 2 * Math.sqrt(v1[i] * v2[i]);
        }
        assertEquals(want, FrechetDistance.between(stats(m1, diag(v1)), stats(m2, diag(v2))), 1e-10);
    }

    @Test
    void twoByTwoMatchesTheTraceOfTheSquareRootFormula() {
        // For a 2x2 M with positive eigenvalues, tr √M = √(tr M + 2 √det M).
        double[][] a = {{2, 0.5}, {0.5, 1}};
        double[][] b = {{1, -0.3}, {-0.3, 3}};
        double[][] m = new double[2][2];
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                m[i][j] = a[i][0] * b[0][j] + a[i][1] * b[1][j];
            }
        }
        double traceRoot = Math.sqrt(m[0][0] + m[1][1] + 2 * Math.sqrt(m[0][0] * m[1][1] - m[0][1] * m[1][0]));
        double want = 1 + 4 + (2 + 1) + (1 + 3) - 2 * traceRoot;
        assertEquals(want, FrechetDistance.between(stats(new double[] {0, 0}, a), stats(new double[] {1, 2}, b)), 1e-10);
    }

    @Test
    void aRotationOfBothGaussiansChangesNothing() {
        SplittableRandom r = new SplittableRandom(7);
        int d = 6;
        double[][] s1 = randomCovariance(d, r);
        double[][] s2 = randomCovariance(d, r);
        double[] m1 = r.doubles(d).toArray();
        double[] m2 = r.doubles(d).toArray();
        double[][] q = orthogonal(d, r);
        double before = FrechetDistance.between(stats(m1, s1), stats(m2, s2));
        double after = FrechetDistance.between(stats(rotate(q, m1), rotate(q, s1)), stats(rotate(q, m2), rotate(q, s2)));
        assertEquals(before, after, 1e-9 * Math.max(1, before));
    }

    @Test
    void singularCovariancesGiveTheClosedForm() {
        double[] v1 = {1, 0, 4};
        double[] v2 = {0, 0, 1};
        double want = 1 + 0 + (4 + 1 - 2 * 2);
        assertEquals(want, FrechetDistance.between(stats(new double[3], diag(v1)), stats(new double[3], diag(v2))), 1e-8);
    }

    @Test
    void mismatchedOrNonFiniteInputsAreRejected() {
        assertThrows(IllegalArgumentException.class, () ->
                FrechetDistance.between(stats(new double[2], diag(1, 1)), stats(new double[3], diag(1, 1, 1))));
        assertThrows(IllegalArgumentException.class, () ->
                FrechetDistance.between(stats(new double[2], diag(1, Double.NaN)), stats(new double[2], diag(1, 1))));
    }

    /** A random orthogonal matrix by Gram–Schmidt. */
    private static double[][] orthogonal(int d, SplittableRandom r) {
        double[][] q = new double[d][d];
        for (int i = 0; i < d; i++) {
            double[] v = r.doubles(d, -1, 1).toArray();
            for (int j = 0; j < i; j++) {
                double dot = 0;
                for (int k = 0; k < d; k++) {
                    dot += v[k] * q[j][k];
                }
                for (int k = 0; k < d; k++) {
                    v[k] -= dot * q[j][k];
                }
            }
            double norm = Math.sqrt(java.util.Arrays.stream(v).map(x -> x * x).sum());
            for (int k = 0; k < d; k++) {
                q[i][k] = v[k] / norm;
            }
        }
        return q;
    }

    private static double[] rotate(double[][] q, double[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            for (int k = 0; k < v.length; k++) {
                out[i] += q[i][k] * v[k];
            }
        }
        return out;
    }

    /** Q S Qᵀ. */
    private static double[][] rotate(double[][] q, double[][] s) {
        int d = s.length;
        double[][] qs = new double[d][d];
        double[][] out = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                for (int k = 0; k < d; k++) {
                    qs[i][j] += q[i][k] * s[k][j];
                }
            }
        }
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                for (int k = 0; k < d; k++) {
                    out[i][j] += qs[i][k] * q[j][k];
                }
            }
        }
        return out;
    }
}

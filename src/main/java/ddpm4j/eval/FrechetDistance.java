package ddpm4j.eval;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * The Fréchet distance between two Gaussians (FID when they fit Inception features):
 * ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁Σ₂)^{1/2}.
 *
 * <p>pytorch-fid takes scipy's general square root of the non-symmetric Σ₁Σ₂. Here the trace comes
 * from symmetric eigendecompositions only: Σ₁Σ₂ is similar to S Σ₂ S with S = Σ₁^{1/2}, which is
 * symmetric positive semi-definite, so tr (Σ₁Σ₂)^{1/2} = Σ √λᵢ(S Σ₂ S). Tiny negative eigenvalues
 * that rounding gives a near-singular covariance are taken as 0 (pytorch-fid instead adds 1e-6 to
 * the diagonals when its square root fails).
 */
public final class FrechetDistance {
    private FrechetDistance() {
    }

    public static double between(FeatureStatistics a, FeatureStatistics b) {
        int d = a.dim();
        if (b.dim() != d) {
            throw new IllegalArgumentException("statistics of different feature sizes: " + d + " and " + b.dim());
        }
        double meanTerm = 0;
        for (int i = 0; i < d; i++) {
            double diff = a.mu()[i] - b.mu()[i];
            meanTerm += diff * diff;
        }
        DMatrixRMaj s1 = symmetric(a.sigma(), d);
        DMatrixRMaj s2 = symmetric(b.sigma(), d);
        double trace = CommonOps_DDRM.trace(s1) + CommonOps_DDRM.trace(s2);
        DMatrixRMaj root = sqrtPsd(s1);
        DMatrixRMaj tmp = new DMatrixRMaj(d, d);
        DMatrixRMaj inner = new DMatrixRMaj(d, d);
        CommonOps_DDRM.mult(root, s2, tmp);
        CommonOps_DDRM.mult(tmp, root, inner);
        double traceRoot = 0;
        for (double lambda : eigenvalues(symmetrize(inner))) {
            traceRoot += Math.sqrt(Math.max(lambda, 0));
        }
        double fid = meanTerm + trace - 2 * traceRoot;
        if (fid < -1e-6 * Math.max(Math.abs(trace), 1)) { // a distance: only rounding takes it below 0
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                    "the statistics' covariances are not positive semi-definite (the distance came out %.6g)", fid));
        }
        return fid;
    }

    /** The symmetric positive semi-definite square root V diag(√max(λ, 0)) Vᵀ. */
    static DMatrixRMaj sqrtPsd(DMatrixRMaj m) {
        int d = m.numRows;
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(d, true, true);
        if (!eig.decompose(m.copy())) {
            throw new ArithmeticException("eigendecomposition of a covariance failed");
        }
        DMatrixRMaj out = new DMatrixRMaj(d, d);
        double[] o = out.data;
        for (int k = 0; k < eig.getNumberOfEigenvalues(); k++) {
            double s = Math.sqrt(Math.max(eig.getEigenvalue(k).real, 0));
            DMatrixRMaj v = eig.getEigenVector(k);
            if (s == 0 || v == null) {
                continue;
            }
            double[] vk = v.data;
            for (int i = 0; i < d; i++) {
                double si = s * vk[i];
                int row = i * d;
                for (int j = 0; j < d; j++) {
                    o[row + j] += si * vk[j];
                }
            }
        }
        return out;
    }

    static double[] eigenvalues(DMatrixRMaj m) {
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(m.numRows, false, true);
        if (!eig.decompose(m)) {
            throw new ArithmeticException("eigendecomposition failed");
        }
        double[] out = new double[eig.getNumberOfEigenvalues()];
        for (int k = 0; k < out.length; k++) {
            out[k] = eig.getEigenvalue(k).real;
        }
        return out;
    }

    private static DMatrixRMaj symmetric(double[] values, int d) {
        for (double v : values) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("covariance holds a non-finite value");
            }
        }
        return symmetrize(new DMatrixRMaj(d, d, true, values));
    }

    /** (M + Mᵀ)/2, removing rounding asymmetry before a symmetric eigendecomposition. */
    private static DMatrixRMaj symmetrize(DMatrixRMaj m) {
        DMatrixRMaj t = new DMatrixRMaj(m.numCols, m.numRows);
        CommonOps_DDRM.transpose(m, t);
        DMatrixRMaj out = new DMatrixRMaj(m.numRows, m.numCols);
        CommonOps_DDRM.add(0.5, m, 0.5, t, out);
        return out;
    }
}

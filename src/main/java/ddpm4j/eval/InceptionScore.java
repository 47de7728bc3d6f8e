package ddpm4j.eval;

/**
 * The Inception Score (Salimans et al. 2016) as the paper reports it: the images are cut into
 * {@code splits} consecutive parts and each part scores exp(E_x KL(p(y|x) ‖ p(y))), with p(y) the
 * part's mean class distribution; the result is the mean and standard deviation over the parts.
 */
public final class InceptionScore {
    /** Mean and (population) standard deviation over the splits. */
    public record Score(double mean, double std) {
    }

    private InceptionScore() {
    }

    /** @param logits n·classes class logits, image by image */
    public static Score of(float[] logits, int n, int classes, int splits) {
        if (splits < 1 || n < splits || (long) n * classes != logits.length) {
            throw new IllegalArgumentException("need at least " + splits + " images of " + classes + " logits");
        }
        double[][] p = new double[n][];
        for (int i = 0; i < n; i++) {
            p[i] = softmax(logits, i * classes, classes);
        }
        double[] scores = new double[splits];
        for (int s = 0; s < splits; s++) {
            int from = s * n / splits;
            int to = (s + 1) * n / splits;
            double[] marginal = new double[classes];
            for (int i = from; i < to; i++) {
                for (int c = 0; c < classes; c++) {
                    marginal[c] += p[i][c] / (to - from);
                }
            }
            double kl = 0;
            for (int i = from; i < to; i++) {
                for (int c = 0; c < classes; c++) {
                    if (p[i][c] > 0) {
                        kl += p[i][c] * (Math.log(p[i][c]) - Math.log(marginal[c]));
                    }
                }
            }
            scores[s] = Math.exp(kl / (to - from));
        }
        double mean = 0;
        for (double v : scores) {
            mean += v / splits;
        }
        double var = 0;
        for (double v : scores) {
            var += (v - mean) * (v - mean) / splits;
        }
        return new Score(mean, Math.sqrt(var));
    }

    private static double[] softmax(float[] logits, int offset, int k) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
            max = Math.max(max, logits[offset + c]);
        }
        double[] out = new double[k];
        double sum = 0;
        for (int c = 0; c < k; c++) {
            out[c] = Math.exp(logits[offset + c] - max);
            sum += out[c];
        }
        for (int c = 0; c < k; c++) {
            out[c] /= sum;
        }
        return out;
    }
}

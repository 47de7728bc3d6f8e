package ddpm4j.diffusion;

import ddpm4j.schedule.Prediction;
import ddpm4j.torch.Natives;
import ddpm4j.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** EDM's preconditioning and loss (Karras et al. 2022, Table 1 and eq. 8) against their design properties and plain arithmetic. */
class EdmPreconditioningTest {
    @BeforeAll
    static void natives() {
        Natives.load();
    }

    @Test
    void theTargetHasUnitVarianceAndTheWeightUndoesTheOutputScale() { // EDM appendix B.6: the requirements c_skip and c_out solve
        EdmPreconditioning p = new EdmPreconditioning(0.5, Prediction.EPSILON);
        for (double sigma : new double[] {0.002, 0.1, 0.5, 3, 80}) {
            double sd = 0.5;
            // F's target (x₀ − c_skip x)/c_out for x = x₀ + σ n, x₀ of variance σ_data², n standard normal
            double var = (Math.pow(1 - p.cSkip(sigma), 2) * sd * sd + Math.pow(p.cSkip(sigma) * sigma, 2)) / Math.pow(p.cOut(sigma), 2);
            assertEquals(1, var, 1e-12, "σ " + sigma);
            assertEquals(1, p.cIn(sigma) * p.cIn(sigma) * (sigma * sigma + sd * sd), 1e-12); // c_in x has unit variance
            assertEquals(1, p.lossWeight(sigma) * p.cOut(sigma) * p.cOut(sigma), 1e-12);
        }
        assertEquals(-new EdmPreconditioning(0.5, Prediction.EPSILON).cOut(2), new EdmPreconditioning(0.5, Prediction.V).cOut(2));
        assertThrows(IllegalArgumentException.class, () -> new EdmPreconditioning(0.5, Prediction.SAMPLE));
    }

    @Test
    void theLossIsTheWeightedErrorOfTheDenoiserPerImage() {
        try (PointerScope scope = new PointerScope()) {
            EdmPreconditioning p = new EdmPreconditioning(0.5, Prediction.EPSILON);
            Random r = new Random(5);
            int b = 3;
            int n = 2 * 4 * 4;
            float[] x0 = new float[b * n];
            float[] z = new float[b * n];
            for (int i = 0; i < x0.length; i++) {
                x0[i] = (float) (r.nextDouble() * 2 - 1);
                z[i] = (float) r.nextGaussian();
            }
            double[] sigma = {0.01, 0.7, 25};
            float[][] seen = new float[2][];
            Denoiser half = (input, t) -> { // F = 0.5 · its input; records what the network is given
                seen[0] = Tensors.toFloats(input);
                seen[1] = Tensors.toFloats(t);
                return input.mul(new Scalar(0.5));
            };
            float[] loss = Tensors.toFloats(p.trainingLoss(half, Tensors.fromFloats(x0, b, 2, 4, 4), sigma, Tensors.fromFloats(z, b, 2, 4, 4)));
            for (int i = 0; i < b; i++) {
                double s = sigma[i];
                assertEquals(Math.log(s) / 4, seen[1][i], 1e-6);
                double sum = 0;
                for (int k = 0; k < n; k++) {
                    double x = x0[i * n + k] + s * z[i * n + k];
                    assertEquals(x * p.cIn(s), seen[0][i * n + k], 1e-5);
                    double f = 0.5 * x * p.cIn(s);
                    double target = (x0[i * n + k] - p.cSkip(s) * x) / p.cOut(s); // the same loss, written for F
                    sum += (f - target) * (f - target);
                }
                assertEquals(sum / n, loss[i], 1e-4 * sum / n, "image " + i);
            }
        }
    }
}

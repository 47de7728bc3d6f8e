package ddpm4j.eval;

import ddpm4j.diffusion.GaussianDiffusion;
import ddpm4j.io.Model;
import ddpm4j.io.ModelDirectory;
import ddpm4j.io.Npy;
import ddpm4j.data.DataSpecs;
import ddpm4j.data.ImageSet;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Against reference/ddpm_reference.py's implementation of the original calc_bpd_loop (fixture files). */
class BitsPerDimTest {
    static final Path FIXTURE = Path.of("src/test/resources/reference/tiny");

    @Test
    void summaryIsTheMeanAndItsStandardError() {
        double[][] none = new double[4][0];
        BitsPerDim.Result r = new BitsPerDim.Result(new double[] {1, 2, 3, 4}, new double[] {0.1, 0.1, 0.2, 0.2},
                new double[] {0.5, 0.5, 0.5, 0.7}, none, none);
        assertEquals(2.5, r.mean(), 1e-12);
        assertEquals(Math.sqrt(5.0 / 3 / 4), r.standardError(), 1e-12); // s² = 5/3 over n = 4
        assertEquals(0.15, r.meanPrior(), 1e-12);
        assertEquals(0.55, r.meanDecoder(), 1e-12);
        assertEquals(0.0, new BitsPerDim.Result(new double[] {3}, new double[1], new double[1], new double[1][0], new double[1][0])
                .standardError());
    }

    @Test
    void singleBoundTermsMatchTheReferenceAtTheSameXt() throws Exception {
        try (Model m = ModelDirectory.load(FIXTURE.resolve("model")); InferenceMode guard = new InferenceMode()) {
            GaussianDiffusion d = GaussianDiffusion.of(m.scheduler());
            ImageSet images = DataSpecs.load(FIXTURE.resolve("images.npy").toString());
            int n = images.count();
            Tensor x0 = Tensors.fromFloats(images.modelSpace(0, n), n, 3, 16, 16);
            double[] ts = Npy.read(FIXTURE.resolve("vb_t.npy")).toDoubles();
            float[] xts = Npy.read(FIXTURE.resolve("vb_xt.npy")).toFloats();
            double[] want = Npy.read(FIXTURE.resolve("vb_terms.npy")).toDoubles();
            int per = n * 3 * 16 * 16;
            for (int k = 0; k < ts.length; k++) {
                int[] t = GaussianDiffusion.fill(n, (int) ts[k]);
                Tensor xt = Tensors.fromFloats(java.util.Arrays.copyOfRange(xts, k * per, (k + 1) * per), n, 3, 16, 16);
                float[] got = Tensors.toFloats(d.vbTermBits(d.pMeanVariance(m.unet()::infer, xt, t, true, 1), x0, xt, t));
                for (int i = 0; i < n; i++) {
                    double w = want[k * n + i];
                    assertEquals(w, got[i], 1e-3 * Math.abs(w) + 2e-6, "t=" + (int) ts[k] + " image " + i);
                }
            }
        }
    }
}

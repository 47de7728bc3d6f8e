package ddpm4j.eval;

import ddpm4j.data.ImageSet;
import ddpm4j.diffusion.Denoiser;
import ddpm4j.diffusion.GaussianDiffusion;
import ddpm4j.schedule.Prediction;
import ddpm4j.schedule.VarianceType;
import ddpm4j.schedule.BetaSchedules;
import ddpm4j.schedule.NoiseSchedule;
import ddpm4j.torch.Device;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RateDistortionTest {
    @Test
    void rateGrowsAndDistortionFallsAsDecodingProceeds() {
        // Gaussian pixels N(μ, s²) and the network that is optimal for them:
        // E[ε | x_t] = √(1−ᾱ)(x_t − √ᾱ μ) / (ᾱ s² + 1 − ᾱ).
        double mu = -0.1;
        double s2 = 0.16;
        NoiseSchedule schedule = new NoiseSchedule(BetaSchedules.linear(20, 0.001, 0.1));
        GaussianDiffusion diffusion = new GaussianDiffusion(schedule, Prediction.EPSILON, VarianceType.FIXED_SMALL);
        Denoiser optimal = (xt, t) -> {
            double ab = schedule.alphaBar((int) Tensors.toFloats(t)[0]);
            return xt.sub(new Scalar(Math.sqrt(ab) * mu)).mul(new Scalar(Math.sqrt(1 - ab) / (ab * s2 + 1 - ab)));
        };
        SplittableRandom r = new SplittableRandom(9);
        int n = 8;
        byte[] px = new byte[n * 16 * 16];
        for (int i = 0; i < px.length; i++) {
            double x = mu + Math.sqrt(s2) * r.nextGaussian();
            px[i] = (byte) Math.max(0, Math.min(255, Math.round((x + 1) * 127.5)));
        }
        ImageSet images = new ImageSet(px, n, 16, 16, 1);
        BitsPerDim.Result bpd = BitsPerDim.evaluate(optimal, Device.CPU, diffusion, images, 3, 0, true, (d, all) -> { });
        RateDistortion rd = RateDistortion.of(bpd);
        assertEquals(20, rd.t().length);
        assertEquals(19, rd.t()[0], "decoding starts from x_T");
        assertEquals(0, rd.t()[19]);
        for (int j = 1; j < 20; j++) {
            assertTrue(rd.rate()[j] >= rd.rate()[j - 1] - 1e-9, "rate at " + j);
            assertTrue(rd.distortion()[j] <= rd.distortion()[j - 1], "distortion at " + j + ": " + rd.distortion()[j - 1] + " → " + rd.distortion()[j]);
        }
        double prior = 0;
        double totalWithoutDecoder = 0;
        for (int k = 0; k < n; k++) {
            prior += bpd.prior()[k] / n;
            totalWithoutDecoder += (bpd.total()[k] - bpd.decoder()[k]) / n;
        }
        assertEquals(prior, rd.rate()[0], 1e-12, "x_T costs the prior term");
        assertEquals(totalWithoutDecoder, rd.rate()[19], 1e-9, "x_1 costs everything but the decoder term");
    }
}

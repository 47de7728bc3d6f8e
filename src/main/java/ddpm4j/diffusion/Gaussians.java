package ddpm4j.diffusion;

import ddpm4j.torch.MetaKernels;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Gaussian divergences and likelihoods of the variational bound, elementwise, in nats. */
public final class Gaussians {
    private static final double BIN = 1.0 / 255.0;

    private Gaussians() {
    }

    /** KL(N(mean1, e^logvar1) ‖ N(mean2, e^logvar2)) elementwise; arguments broadcast. */
    public static Tensor normalKl(Tensor mean1, Tensor logVar1, Tensor mean2, Tensor logVar2) {
        Tensor diff = mean1.sub(mean2);
        return logVar2.sub(logVar1).sub(new Scalar(1.0))
                .add(torch.exp(logVar1.sub(logVar2)))
                .add(diff.mul(diff).mul(torch.exp(logVar2.neg())))
                .mul(new Scalar(0.5));
    }

    /** Φ(x) by the tanh approximation the original code uses: ½(1 + tanh(√(2/π)(x + 0.044715x³))). */
    public static Tensor approxStandardNormalCdf(Tensor x) {
        Tensor inner = x.add(x.pow(new Scalar(3)).mul(new Scalar(0.044715))).mul(new Scalar(Math.sqrt(2 / Math.PI)));
        return torch.tanh(inner).add(new Scalar(1.0)).mul(new Scalar(0.5));
    }

    /**
     * log p(x) of data x in [−1, 1] quantised to 256 levels under N(mean, e^{2 logScale}): the mass of
     * the bin x ± 1/255, with the outermost bins extended to ±∞ (x below −0.999 or above 0.999), and
     * each probability clamped at 1e-12 before the log, as the original decoder L₀.
     */
    public static Tensor discretizedLogLikelihood(Tensor x, Tensor mean, Tensor logScale) {
        Tensor centered = x.sub(mean);
        Tensor invStd = torch.exp(logScale.neg());
        Tensor cdfPlus = approxStandardNormalCdf(invStd.mul(centered.add(new Scalar(BIN))));
        Tensor cdfMin = approxStandardNormalCdf(invStd.mul(centered.sub(new Scalar(BIN))));
        Tensor logCdfPlus = torch.log(MetaKernels.clampMin(cdfPlus, 1e-12));
        Tensor logOneMinusCdfMin = torch.log(MetaKernels.clampMin(cdfMin.neg().add(new Scalar(1.0)), 1e-12));
        Tensor logDelta = torch.log(MetaKernels.clampMin(cdfPlus.sub(cdfMin), 1e-12));
        return MetaKernels.where(x.lt(new Scalar(-0.999)), logCdfPlus,
                MetaKernels.where(x.gt(new Scalar(0.999)), logOneMinusCdfMin, logDelta));
    }

    /** The mean over all but the batch dimension: [B, ...] → [B]. */
    public static Tensor meanFlat(Tensor x) {
        return x.reshape(x.size(0), -1).mean(new long[] {1}, false, new ScalarTypeOptional());
    }
}

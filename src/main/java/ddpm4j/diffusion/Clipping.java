package ddpm4j.diffusion;

import ddpm4j.torch.MetaKernels;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** What a sampler does to the predicted x̂₀ before using it: nothing, a fixed range, or dynamic thresholding. */
@FunctionalInterface
public interface Clipping {
    Clipping NONE = x0 -> x0;

    Tensor apply(Tensor x0);

    /** x̂₀ clipped elementwise to [−range, range] (diffusers' {@code clip_sample}). */
    static Clipping range(double range) {
        if (!(range > 0)) {
            throw new IllegalArgumentException("clip range must be positive, got " + range);
        }
        return x0 -> GaussianDiffusion.clamp(x0, range);
    }

    /** {@link #range} when {@code clip}, else {@link #NONE}. */
    static Clipping of(boolean clip, double range) {
        return clip ? range(range) : NONE;
    }

    /**
     * Dynamic thresholding (Saharia et al. 2022, diffusers' {@code thresholding}): per image, s = the
     * {@code ratio}-quantile of |x̂₀|, clamped below at 1 and then above at maxValue (so maxValue wins when it is below 1,
     * as in torch.clamp); x̂₀ ← clamp(x̂₀, −s, s)/s. Computed in float32 whatever the input's type.
     */
    static Clipping dynamic(double ratio, double maxValue) {
        if (!(ratio > 0 && ratio <= 1) || !(maxValue > 0)) {
            throw new IllegalArgumentException("dynamic thresholding needs a ratio in (0, 1] and a positive sample_max_value, got "
                    + ratio + " and " + maxValue);
        }
        return x0 -> {
            long b = x0.size(0);
            Tensor flat = x0.to(torch.ScalarType.Float).reshape(b, -1);
            Tensor s = MetaKernels.rowQuantile(torch.maximum(flat, flat.neg()), ratio); // |x|; abs has no meta kernel
            s = MetaKernels.clampMin(MetaKernels.clampMin(s, 1.0).neg(), -maxValue).neg(); // min(max(s, 1), maxValue)
            Tensor clipped = torch.maximum(torch.minimum(flat, s), s.neg()).div(s);
            return clipped.reshape(x0.sizes()).to(x0.scalar_type());
        };
    }
}

package ddpm4j.sample;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * What an inpainting loop keeps: where {@code mask} is 1 the result is {@code image}, elsewhere the model's
 * completion ({@link Sampler#sample(ddpm4j.diffusion.Denoiser, Tensor, KnownRegion, NoiseSource, StepListener, Trajectory)}).
 *
 * @param image model space [B,C,H,W]
 * @param mask  1 keep, 0 inpaint; [B or 1, 1, H, W]
 */
public record KnownRegion(Tensor image, Tensor mask) {
    /** Nothing known: unconditional sampling. */
    public static final KnownRegion NONE = new KnownRegion(null, null);

    public KnownRegion {
        if ((image == null) != (mask == null)) {
            throw new IllegalArgumentException("a known region needs both an image and a mask");
        }
    }

    public boolean isNone() {
        return mask == null;
    }

    /** {@code known} where the mask keeps, {@code free} elsewhere: known · m + free · (1 − m). */
    Tensor keep(Tensor known, Tensor free) {
        return known.mul(mask).add(free.mul(mask.neg().add(new Scalar(1.0))));
    }
}

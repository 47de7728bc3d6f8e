package ddpm4j.sample;

import ddpm4j.diffusion.Denoiser;
import ddpm4j.diffusion.GaussianDiffusion;
import ddpm4j.torch.Device;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Interpolation in latent space (Ho et al. 2020, §4.4, fig. 8): two images are encoded to x_t and
 * x'_t with q(x_t|x₀) and the same noise, the latents are mixed linearly, x̄_t = (1 − λ) x_t +
 * λ x'_t, and each mix is decoded by the reverse process with the same noise for every λ.
 */
public final class Interpolation {
    /** @param decoded one image per λ, float32 NCHW */
    public record Result(double[] lambdas, float[] decoded) {
    }

    private Interpolation() {
    }

    /** λ = 0, 1/(k−1), ..., 1. */
    public static double[] lambdas(int k) {
        if (k < 2) {
            throw new IllegalArgumentException("an interpolation needs at least 2 values of lambda, got " + k);
        }
        double[] out = new double[k];
        for (int i = 0; i < k; i++) {
            out[i] = i / (double) (k - 1);
        }
        return out;
    }

    /** The latents x̄_t for each λ, [K,C,H,W], from the encodings {@code a} and {@code b} [1,C,H,W]. */
    public static Tensor mix(Tensor a, Tensor b, double[] lambdas) {
        Tensor[] rows = new Tensor[lambdas.length];
        for (int i = 0; i < lambdas.length; i++) {
            rows[i] = a.mul(new Scalar(1 - lambdas[i])).add(b.mul(new Scalar(lambdas[i])));
        }
        return org.bytedeco.pytorch.global.torch.cat(new org.bytedeco.pytorch.TensorVector(rows), 0);
    }

    /**
     * @param x0a the first image [1,C,H,W] in model space
     * @param x0b the second
     * @param t   the encoding's timestep, 0-based, of the sampler's full process
     */
    public static Result run(AncestralSampler sampler, Denoiser model, Tensor x0a, Tensor x0b, int t, double[] lambdas,
                             long seed, StepListener listener) {
        if (!sampler.process().isFull()) {
            throw new IllegalArgumentException("interpolation runs the full process, not a respaced one");
        }
        int start = sampler.positionOf(t);
        GaussianDiffusion diffusion = sampler.process().diffusion();
        long[] shape = Tensors.shape(x0a);
        long[] image = {shape[1], shape[2], shape[3]};
        Tensor noise = new NoiseSource(seed, 0, 1, image).next(Device.of(x0a)); // shared by both encodings
        Tensor a = diffusion.qSample(x0a, new int[] {t}, noise);
        Tensor b = diffusion.qSample(x0b, new int[] {t}, noise);
        Tensor latents = mix(a, b, lambdas);
        NoiseSource decoding = NoiseSource.shared(seed, 1, lambdas.length, image);
        Tensor out = sampler.sample(model, latents, start, decoding, listener, Trajectory.NONE);
        return new Result(lambdas.clone(), Tensors.toFloats(out));
    }
}

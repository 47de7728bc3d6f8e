package ddpm4j.nn;

import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Tensor;

import java.util.SplittableRandom;

/**
 * The original DDPM initialisation (diffusion_tf/nn.py): variance scaling with fan_avg and a
 * uniform distribution, scale 1 by default and 1e-10 (effectively zero) for the last
 * convolution of each residual branch, the attention output and the network output.
 */
public final class WeightInit {
    /** The scale the original code substitutes for 0. */
    static final double ZERO_SCALE = 1e-10;

    private final SplittableRandom random;

    public WeightInit(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** Uniform on ±sqrt(3·scale / ((fanIn + fanOut) / 2)). */
    void varianceScaling(Tensor weight, double scale, long fanIn, long fanOut) {
        double limit = Math.sqrt(3.0 * scale / ((fanIn + fanOut) / 2.0));
        float[] values = new float[Math.toIntExact(weight.numel())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
        }
        Tensors.write(weight, values);
    }

    /** Independent N(0, std²) values. */
    void normal(Tensor t, double std) {
        float[] values = new float[Math.toIntExact(t.numel())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * std);
        }
        Tensors.write(t, values);
    }

    void fill(Tensor t, float value) {
        float[] values = new float[Math.toIntExact(t.numel())];
        java.util.Arrays.fill(values, value);
        Tensors.write(t, values);
    }
}

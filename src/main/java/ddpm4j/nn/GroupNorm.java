package ddpm4j.nn;

import ddpm4j.torch.MetaKernels;
import org.bytedeco.pytorch.Tensor;

/** Group normalisation with a per-channel affine transform; parameters {@code weight}, {@code bias}. */
public final class GroupNorm extends Layer {
    private final long groups;
    private final double eps;
    private final Tensor weight;
    private final Tensor bias;

    GroupNorm(long groups, long channels, double eps) {
        if (channels % groups != 0) {
            throw new IllegalArgumentException(
                    channels + " channels cannot be split into " + groups + " normalisation groups");
        }
        this.groups = groups;
        this.eps = eps;
        this.weight = parameter("weight", channels);
        this.bias = parameter("bias", channels);
    }

    public Tensor forward(Tensor x) {
        return MetaKernels.groupNorm(x, groups, weight, bias, eps);
    }

    @Override
    void initialize(WeightInit init) {
        init.fill(weight, 1f);
        init.fill(bias, 0f);
    }
}

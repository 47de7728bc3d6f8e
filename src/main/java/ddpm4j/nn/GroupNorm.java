package ddpm4j.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/** Group normalisation with a per-channel affine transform; parameters {@code weight}, {@code bias}. */
public final class GroupNorm extends Layer {
    private final long groups;
    private final double eps;
    private final TensorOptional weight;
    private final TensorOptional bias;

    GroupNorm(long groups, long channels, double eps) {
        if (channels % groups != 0) {
            throw new IllegalArgumentException(
                    channels + " channels cannot be split into " + groups + " normalisation groups");
        }
        this.groups = groups;
        this.eps = eps;
        this.weight = new TensorOptional(parameter("weight", channels));
        this.bias = new TensorOptional(parameter("bias", channels));
    }

    public Tensor forward(Tensor x) {
        return torch.group_norm(x, groups, weight, bias, eps, false);
    }

    @Override
    void initialize(WeightInit init) {
        init.fill(weight.get(), 1f);
        init.fill(bias.get(), 0f);
    }
}

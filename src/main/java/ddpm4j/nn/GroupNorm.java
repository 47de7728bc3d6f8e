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

    /**
     * {@link #forward} in {@code g}: the groups normalised as the instances of ONNX's InstanceNormalization (one
     * mean and variance per [image, group]), then the per-channel affine transform.
     */
    String trace(GraphBuilder g, String x) {
        float[] ones = new float[(int) groups];
        java.util.Arrays.fill(ones, 1f);
        String normed = g.node("InstanceNormalization", java.util.Map.of("epsilon", eps),
                g.reshape(x, 0, groups, -1), g.constant(ones, groups), g.constant(new float[(int) groups], groups));
        String back = g.node("Reshape", normed, g.node("Shape", x));
        return g.add(g.mul(back, g.unsqueeze(g.parameter(weight), 1, 2)), g.unsqueeze(g.parameter(bias), 1, 2));
    }

    @Override
    void initialize(WeightInit init) {
        init.fill(weight, 1f);
        init.fill(bias, 0f);
    }
}

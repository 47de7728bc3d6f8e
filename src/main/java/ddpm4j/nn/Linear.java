package ddpm4j.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/** y = x Wᵀ + b; parameters {@code weight [out,in]} and {@code bias [out]}. */
public final class Linear extends Layer {
    private final Tensor weight;
    private final TensorOptional bias;
    private final double initScale;

    Linear(long in, long out, double initScale) {
        this.weight = parameter("weight", out, in);
        this.bias = new TensorOptional(parameter("bias", out));
        this.initScale = initScale;
    }

    public Tensor forward(Tensor x) {
        return torch.linear(x, weight, bias);
    }

    @Override
    void initialize(WeightInit init) {
        init.varianceScaling(weight, initScale, weight.size(1), weight.size(0));
        init.fill(bias.get(), 0f);
    }
}

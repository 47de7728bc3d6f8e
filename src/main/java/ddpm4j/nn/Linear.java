package ddpm4j.nn;

import org.bytedeco.pytorch.GradMode;
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

    /**
     * y = x Wᵀ + b for {@code x [B,in]} or {@code [B,N,in]}. Without autograd (sampling, evaluation) each of the B
     * rows or token sets goes through its own matrix product (a batched product over an expanded weight):
     * libtorch's {@code linear} multiplies the B·N rows as one matrix, and BLAS kernels sum in another order for
     * another row count (a [1,128]·[128,512] product differed from its row of a batch of 8 by 1e-5), so a sample
     * would depend on its batch. A training step takes {@code linear}: its weight gradient is then one product,
     * not B of them summed, and a training step depends on its whole batch anyway; so does 16-bit autocast, whose
     * kernels are not batch-free either (and would cast the expanded weight B times).
     */
    public Tensor forward(Tensor x) {
        if (GradMode.is_enabled() || !x.is_meta() && torch.is_autocast_enabled(x.device().type())) { // meta has no autocast state
            return torch.linear(x, weight, bias);
        }
        boolean rows = x.dim() == 2;
        Tensor sets = rows ? x.unsqueeze(1) : x;
        Tensor y = torch.bmm(sets, weight.t().unsqueeze(0).expand(sets.size(0), weight.size(1), weight.size(0))).add(bias.get());
        return rows ? y.squeeze(1) : y;
    }

    long inFeatures() {
        return weight.size(1);
    }

    /** {@link #forward} in {@code g}: x Wᵀ + b for {@code x [.., in]}. */
    String trace(GraphBuilder g, String x) {
        return g.add(g.node("MatMul", x, g.transpose(g.parameter(weight), 1, 0)), g.parameter(bias.get()));
    }

    @Override
    void initialize(WeightInit init) {
        init.varianceScaling(weight, initScale, weight.size(1), weight.size(0));
        init.fill(bias.get(), 0f);
    }
}

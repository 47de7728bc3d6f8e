package ddpm4j.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/** A square 2-d convolution with bias; parameters {@code weight [out,in,k,k]} and {@code bias [out]}. */
public final class Conv2d extends Layer {
    private final Tensor weight;
    private final TensorOptional bias;
    private final long[] stride;
    private final long[] padding;
    private final double initScale;
    private static final long[] DILATION = {1, 1};

    Conv2d(long in, long out, long kernel, long stride, long padding, double initScale) {
        this.weight = parameter("weight", out, in, kernel, kernel);
        this.bias = new TensorOptional(parameter("bias", out));
        this.stride = new long[] {stride, stride};
        this.padding = new long[] {padding, padding};
        this.initScale = initScale;
    }

    /** A 3×3 convolution, stride 1, padding 1. */
    static Conv2d same3x3(long in, long out, double initScale) {
        return new Conv2d(in, out, 3, 1, 1, initScale);
    }

    public Tensor forward(Tensor x) {
        return torch.conv2d(x, weight, bias, stride, padding, DILATION, 1);
    }

    @Override
    void initialize(WeightInit init) {
        long receptive = weight.size(2) * weight.size(3);
        init.varianceScaling(weight, initScale, weight.size(1) * receptive, weight.size(0) * receptive);
        init.fill(bias.get(), 0f);
    }
}

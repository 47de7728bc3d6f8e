package ddpm4j.nn;

import ddpm4j.torch.Convolutions;
import org.bytedeco.pytorch.Tensor;

/**
 * A square 2-d convolution with bias; parameters {@code weight [out,in,k,k]} and {@code bias [out]}.
 * It runs through {@link Convolutions}, which checks each shape's kernels on this CPU.
 */
public final class Conv2d extends Layer {
    private final Tensor weight;
    private final Tensor bias;
    private final long[] stride;
    private final long[] padding;
    private final double initScale;

    Conv2d(long in, long out, long kernel, long stride, long padding, double initScale) {
        this.weight = parameter("weight", out, in, kernel, kernel);
        this.bias = parameter("bias", out);
        this.stride = new long[] {stride, stride};
        this.padding = new long[] {padding, padding};
        this.initScale = initScale;
    }

    /** A 3×3 convolution, stride 1, padding 1. */
    static Conv2d same3x3(long in, long out, double initScale) {
        return new Conv2d(in, out, 3, 1, 1, initScale);
    }

    public Tensor forward(Tensor x) {
        return Convolutions.conv2d(x, weight, bias, stride, padding);
    }

    long outChannels() {
        return weight.size(0);
    }

    /** {@link #forward} in {@code g}. */
    String trace(GraphBuilder g, String x) {
        return trace(g, x, 0);
    }

    /** As {@link #forward} of {@code x} padded first with {@code padEnd} zero rows and columns at the bottom and right. */
    String trace(GraphBuilder g, String x, long padEnd) {
        long k = weight.size(2);
        return g.node("Conv", java.util.Map.of("kernel_shape", new long[] {k, k}, "strides", stride,
                        "pads", new long[] {padding[0], padding[1], padding[0] + padEnd, padding[1] + padEnd}),
                x, g.parameter(weight), g.parameter(bias));
    }

    @Override
    void initialize(WeightInit init) {
        long receptive = weight.size(2) * weight.size(3);
        init.varianceScaling(weight, initScale, weight.size(1) * receptive, weight.size(0) * receptive);
        init.fill(bias, 0f);
    }
}

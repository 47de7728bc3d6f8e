package ddpm4j.nn;

import ddpm4j.torch.Convolutions;
import ddpm4j.torch.MetaKernels;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Inception's unit: a convolution without bias ({@code conv.weight}), batch normalisation (ε = 0.001, {@code bn.*}), ReLU. */
final class BasicConv2d extends Layer {
    private final Weight conv;
    private final BatchNorm2d bn;
    private final long[] stride;
    private final long[] padding;

    /** The bias-free convolution's weight [out, in, kh, kw]. */
    static final class Weight extends Layer {
        final Tensor weight;

        Weight(long in, long out, long kh, long kw) {
            this.weight = parameter("weight", out, in, kh, kw);
        }

        @Override
        void initialize(WeightInit init) {
            init.varianceScaling(weight, 2.0, weight.size(1) * weight.size(2) * weight.size(3),
                    weight.size(0) * weight.size(2) * weight.size(3));
        }
    }

    BasicConv2d(long in, long out, long kh, long kw, long stride, long ph, long pw) {
        this.conv = child("conv", new Weight(in, out, kh, kw));
        this.bn = child("bn", new BatchNorm2d(out, 1e-3));
        this.stride = new long[] {stride, stride};
        this.padding = new long[] {ph, pw};
    }

    /** A square kernel with equal padding. */
    BasicConv2d(long in, long out, long k, long stride, long padding) {
        this(in, out, k, k, stride, padding, padding);
    }

    Tensor forward(Tensor x) {
        return MetaKernels.relu(bn.forward(Convolutions.conv2d(x, conv.weight, null, stride, padding)));
    }
}

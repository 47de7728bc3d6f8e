package ddpm4j.torch;

import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.List;
import java.util.Locale;

/**
 * A way of computing a 2-d convolution {@code y = conv(x, weight) + bias} (no dilation, one group),
 * differentiable in all three inputs. {@link Convolutions} picks one per shape after checking it.
 */
public enum ConvPath {
    /** libtorch's {@code conv2d}: oneDNN's kernels on CPUs (the fastest path, when it is right). */
    ONEDNN("oneDNN") {
        @Override
        public Tensor apply(Tensor x, Tensor weight, Tensor bias, long[] stride, long[] padding) {
            return torch.conv2d(x, weight, optional(bias), stride, padding, DILATION, 1);
        }
    },
    /**
     * oneDNN with input and output channels zero-padded to a multiple of {@value #CHANNEL_BLOCK}:
     * oneDNN's AVX-512 kernels work on blocks of 16 channels, and with whole blocks they never
     * touch the partial block that some CPUs get wrong. Zero input channels meet zero weights,
     * the extra output channels are cut off; the gradients of the cut-off part are zero.
     */
    PADDED("oneDNN, channels zero-padded to " + ConvPath.CHANNEL_BLOCK) {
        @Override
        public Tensor apply(Tensor x, Tensor weight, Tensor bias, long[] stride, long[] padding) {
            long out = weight.size(0);
            long in = weight.size(1);
            long extraOut = roundUp(out) - out;
            long extraIn = roundUp(in) - in;
            // constant_pad_nd pads the last dimensions first: (W, H, in, out) for a weight
            Tensor w = extraOut + extraIn == 0 ? weight : torch.constant_pad_nd(weight, 0, 0, 0, 0, 0, extraIn, 0, extraOut);
            Tensor xx = extraIn == 0 ? x : torch.constant_pad_nd(x, 0, 0, 0, 0, 0, extraIn);
            Tensor b = bias == null || extraOut == 0 ? bias : torch.constant_pad_nd(bias, 0, extraOut);
            Tensor y = torch.conv2d(xx, w, optional(b), stride, padding, DILATION, 1);
            return extraOut == 0 ? y : y.narrow(1, 0, out);
        }
    },
    /**
     * libtorch's own im2col + matrix-product convolution ({@code thnn_conv2d}), which no oneDNN
     * kernel touches; always in the weight's type (float32 also under bf16 autocast). Right
     * everywhere, and slow (measured on the AMD EPYC: 3 to 36 times oneDNN's time per layer, 4 to
     * 9 times per training step): the last resort.
     */
    NATIVE("libtorch im2col + gemm, no oneDNN") {
        @Override
        public Tensor apply(Tensor x, Tensor weight, Tensor bias, long[] stride, long[] padding) {
            Tensor xx = x.scalar_type().value == weight.scalar_type().value ? x : x.to(weight.scalar_type());
            return torch.thnn_conv2d(xx, weight, new long[] {weight.size(2), weight.size(3)}, optional(bias), stride, padding);
        }
    },
    /**
     * The definition itself: one strided slice of the padded input per kernel tap, stacked and
     * contracted with the weight by one matrix product. For devices libtorch has no convolution
     * kernel for (the meta device, which only propagates shapes: slices, stacks and products have
     * meta kernels forwards and backwards); right on the CPU too, but it materialises every tap.
     */
    UNFOLD("strided slices and a matrix product") {
        @Override
        public Tensor apply(Tensor x, Tensor weight, Tensor bias, long[] stride, long[] padding) {
            Tensor xx = padding[0] == 0 && padding[1] == 0 ? x
                    : torch.constant_pad_nd(x, padding[1], padding[1], padding[0], padding[0]);
            long kh = weight.size(2);
            long kw = weight.size(3);
            long ho = (xx.size(2) - kh) / stride[0] + 1;
            long wo = (xx.size(3) - kw) / stride[1] + 1;
            TensorVector taps = new TensorVector();
            for (long i = 0; i < kh; i++) {
                for (long j = 0; j < kw; j++) { // x[:, :, i + s·h, j + s·w] for every output position (h, w)
                    taps.push_back(xx.slice(2, new LongOptional(i), new LongOptional(i + (ho - 1) * stride[0] + 1), stride[0])
                            .slice(3, new LongOptional(j), new LongOptional(j + (wo - 1) * stride[1] + 1), stride[1]));
                }
            }
            Tensor patches = torch.stack(taps, 2); // [N,in,kh·kw,Ho,Wo]
            Tensor w = weight.reshape(weight.size(0), weight.size(1), kh * kw);
            Tensor y = torch.tensordot(patches, w, new long[] {1, 2}, 1, 2).permute(0, 3, 1, 2); // [N,out,Ho,Wo]
            return bias == null ? y : y.add(bias.view(1, -1, 1, 1));
        }
    };

    /** Channels per block in oneDNN's AVX-512 float32 layouts (a multiple of AVX2's 8). */
    public static final int CHANNEL_BLOCK = 16;
    private static final long[] DILATION = {1, 1};

    private final String description;

    ConvPath(String description) {
        this.description = description;
    }

    /**
     * The convolution of {@code x [N,in,H,W]} with {@code weight [out,in,kh,kw]}, plus {@code bias
     * [out]} unless it is null.
     */
    public abstract Tensor apply(Tensor x, Tensor weight, Tensor bias, long[] stride, long[] padding);

    /** What the path computes with, for messages. */
    public String description() {
        return description;
    }

    /**
     * The paths a convolution with these channel counts may take, the preferred first. A shape
     * with a partial block of {@value #CHANNEL_BLOCK} channels never goes to plain {@link #ONEDNN}:
     * on the AMD EPYC (family 26) its partial-block kernels are wrong only some of the time, as if
     * they read memory they never set, so a check that passed cannot vouch for the next call (a
     * shape checked right gave 7% wrong and NaN weight gradients later in the same process); the
     * padded path computes whole blocks only and measured as fast (docs/kernels.md).
     */
    static List<ConvPath> candidates(long in, long out) {
        return roundUp(in) == in && roundUp(out) == out ? List.of(ONEDNN, NATIVE) : List.of(PADDED, NATIVE);
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }

    private static long roundUp(long channels) {
        return (channels + CHANNEL_BLOCK - 1) / CHANNEL_BLOCK * CHANNEL_BLOCK;
    }

    private static TensorOptional optional(Tensor bias) {
        return bias == null ? new TensorOptional() : new TensorOptional(bias);
    }
}

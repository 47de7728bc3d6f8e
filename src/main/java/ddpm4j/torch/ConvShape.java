package ddpm4j.torch;

import java.util.Locale;

/**
 * A convolution as the self-check probes it: everything that may change which kernel oneDNN
 * runs, and which of its results are used.
 *
 * @param batch      images in the probe: 1 if the real batch is 1 (libtorch chooses kernels
 *                   differently for a single image), else 2 (one per thread on two cores)
 * @param in         input channels
 * @param out        output channels
 * @param kernelH    kernel height
 * @param kernelW    kernel width
 * @param strideH    vertical stride
 * @param strideW    horizontal stride
 * @param padH       zero rows added above and below
 * @param padW       zero columns added left and right
 * @param height     input height, at most {@link #MAX_SIDE}
 * @param width      input width, at most {@link #MAX_SIDE}
 * @param bf16       whether the convolution runs under bfloat16 autocast (else float32)
 * @param inputGrad  whether the gradient with respect to the input is computed
 * @param weightGrad whether the gradients of the weight and bias are computed
 */
public record ConvShape(int batch, long in, long out, long kernelH, long kernelW, long strideH, long strideW,
                        long padH, long padW, long height, long width, boolean bf16, boolean inputGrad, boolean weightGrad) {
    /**
     * Larger inputs are probed on a crop of this side: the float64 reference of a 256×256
     * convolution would take seconds, and what goes wrong in a kernel depends on its channel
     * blocks, which a crop keeps.
     */
    public static final long MAX_SIDE = 64;

    /** The probe for a convolution of input {@code [n,in,h,w]} with a weight {@code [out,in,kh,kw]}. */
    static ConvShape of(long[] input, long[] weight, long[] stride, long[] padding, boolean bf16, boolean inputGrad, boolean weightGrad) {
        long h = Math.min(input[2], Math.max(MAX_SIDE, weight[2]));
        long w = Math.min(input[3], Math.max(MAX_SIDE, weight[3]));
        return new ConvShape(input[0] == 1 ? 1 : 2, input[1], weight[0], weight[2], weight[3], stride[0], stride[1],
                padding[0], padding[1], h, w, bf16, inputGrad, weightGrad);
    }

    long outHeight() {
        return (height + 2 * padH - kernelH) / strideH + 1;
    }

    long outWidth() {
        return (width + 2 * padW - kernelW) / strideW + 1;
    }

    /** E.g. {@code 32→1 channels, 3×3 kernel, stride 1, padding 1, 28×28, fp32, gradients}. */
    @Override
    public String toString() {
        String grads = inputGrad && weightGrad ? "gradients" : inputGrad ? "input gradient" : weightGrad ? "weight gradients" : "forward only";
        return String.format(Locale.ROOT, "%d→%d channels, %d×%d kernel, stride %s, padding %s, %d×%d%s, %s, %s",
                in, out, kernelH, kernelW, pair(strideH, strideW), pair(padH, padW), height, width,
                batch == 1 ? " (1 image)" : "", bf16 ? "bf16" : "fp32", grads);
    }

    private static String pair(long a, long b) {
        return a == b ? Long.toString(a) : a + "×" + b;
    }
}

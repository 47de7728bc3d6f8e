package ddpm4j.torch;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Every convolution of the project's networks, through a path checked on this CPU.
 *
 * <p>oneDNN's kernels differ between CPUs, and some are wrong on some: on an AMD EPYC (family
 * 26, AVX-512 without AMX) libtorch 2.10's oneDNN 3.7.1 computes wrong input gradients whenever
 * the output channels are not a multiple of 16, wrong outputs when the input channels are not
 * (or, under bf16, either), and sometimes wrong weight gradients, differently from call to call.
 * So a shape with a partial block of 16 channels takes oneDNN with its channels zero-padded to
 * whole blocks, and the first time any shape is used (channels, kernel, stride, padding, size,
 * arithmetic, and which gradients are needed), {@link ConvSelfCheck} compares its path with a
 * float64 reference and, if they disagree, takes the next path that agrees (see {@link
 * ConvPath#candidates}). Each check costs a few forward and backward passes of one small batch,
 * once per shape and process.
 *
 * <p>Float32 on the CPU and bf16 autocast are checked; other types and devices go straight to
 * libtorch's {@code conv2d} (cuDNN on CUDA), except the meta device, which has no convolution
 * kernel and takes {@link ConvPath#UNFOLD}. The system property {@value #PATH_PROPERTY}
 * ({@code onednn}, {@code padded}, {@code native} or {@code unfold}) skips the check and takes
 * that path for every shape, for measurements and for showing what the check prevents.
 */
public final class Convolutions {
    public static final String PATH_PROPERTY = "ddpm4j.convolution";
    private static final ConvPath FORCED = forcedPath(System.getProperty(PATH_PROPERTY));
    private static final Map<ConvShape, ConvCheck> CHECKS = new ConcurrentHashMap<>();
    /** For each single-image convolution, whether it computes what the image gives in a pair ({@link #singleAgreesWithPair}). */
    private static final Map<Single, Boolean> SINGLES = new ConcurrentHashMap<>();
    private static final List<ConvCheck> IN_ORDER = new ArrayList<>();
    private static volatile Consumer<ConvCheck> listener = check -> { };

    private Convolutions() {
    }

    /**
     * {@code conv(x, weight) + bias} (bias may be null) for {@code x [N,in,H,W]} and {@code weight
     * [out,in,kh,kw]}, no dilation, one group, through the path checked for its shape.
     */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, long[] stride, long[] padding) {
        if (x.dim() == 4 && x.size(0) == 1 && x.is_cpu() && FORCED == null && !GradMode.is_enabled()
                && !singleAgreesWithPair(x, weight, stride, padding)) {
            Tensor pair = torch.cat(new TensorVector(x, x), 0);
            return conv2d(pair, weight, bias, stride, padding).narrow(0, 0, 1);
        }
        return pathFor(x, weight, bias, stride, padding).apply(x, weight, bias, stride, padding);
    }

    /**
     * Whether a convolution of one image gives, to the bit, what the same image gives as the first of two. oneDNN
     * runs other kernels for a single image, and for some shapes they sum in another order (1e-5 apart per layer,
     * 3e-4 after 20 sampling steps of a random-weight network), so a sample would depend on its batch size; such a
     * shape runs its single images as a pair (the image twice, the first result kept). Decided once per shape and
     * arithmetic on fixed random inputs (the order of a sum does not depend on the numbers summed): no timing, the
     * same answer every run on one kind of CPU. Without autograd only: a training step depends on its whole batch anyway.
     */
    private static boolean singleAgreesWithPair(Tensor x, Tensor weight, long[] stride, long[] padding) {
        Single shape = new Single(Tensors.shape(x), Tensors.shape(weight), stride[0], stride[1], padding[0], padding[1],
                Precision.inBf16Autocast());
        Boolean known = SINGLES.get(shape);
        return known != null ? known : SINGLES.computeIfAbsent(shape, s -> {
            try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
                java.util.SplittableRandom random = new java.util.SplittableRandom(0x516e);
                Tensor two = gaussian(random, 2, s.input[1], s.input[2], s.input[3]);
                Tensor one = two.narrow(0, 0, 1).contiguous();
                Tensor w = gaussian(random, s.weight);
                Tensor b = gaussian(random, s.weight[0]);
                Tensor single = pathFor(one, w, b, stride, padding).apply(one, w, b, stride, padding);
                Tensor pair = pathFor(two, w, b, stride, padding).apply(two, w, b, stride, padding).narrow(0, 0, 1);
                return torch.equal(single, pair);
            }
        });
    }

    /** A convolution of one image, whole: what may change the kernel oneDNN takes for it. */
    private record Single(long[] input, long[] weight, long strideH, long strideW, long padH, long padW, boolean bf16) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Single s && java.util.Arrays.equals(input, s.input) && java.util.Arrays.equals(weight, s.weight)
                    && strideH == s.strideH && strideW == s.strideW && padH == s.padH && padW == s.padW && bf16 == s.bf16;
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(java.util.Arrays.hashCode(input), java.util.Arrays.hashCode(weight), strideH, strideW, padH, padW, bf16);
        }
    }

    private static Tensor gaussian(java.util.SplittableRandom random, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return Tensors.fromFloats(ConvSelfCheck.gaussian(random, n, 1), shape);
    }

    /** The path {@link #conv2d} takes for these arguments, checking their shape first if it is new. */
    public static ConvPath pathFor(Tensor x, Tensor weight, Tensor bias, long[] stride, long[] padding) {
        if (FORCED != null) {
            return FORCED;
        }
        if (x.is_meta()) {
            return ConvPath.UNFOLD; // libtorch has no meta kernel for its convolutions
        }
        boolean bf16 = Precision.inBf16Autocast();
        if (x.dim() != 4 || !x.is_cpu() || !bf16 && x.scalar_type().value != torch.ScalarType.Float.value) {
            return ConvPath.ONEDNN;
        }
        boolean grad = GradMode.is_enabled();
        ConvShape shape = ConvShape.of(Tensors.shape(x), Tensors.shape(weight), stride, padding, bf16,
                grad && x.requires_grad(), grad && (weight.requires_grad() || bias != null && bias.requires_grad()));
        ConvCheck check = CHECKS.get(shape);
        return (check != null ? check : check(shape)).path();
    }

    /** The checks made so far in this process, in the order the shapes were first used. */
    public static synchronized List<ConvCheck> checks() {
        return List.copyOf(IN_ORDER);
    }

    /**
     * Tells {@code onCheck} of every check made from now on, as it is made, on the thread that
     * uses the shape (the command line warns of those that {@link ConvCheck#switched() switched}).
     */
    public static void setListener(Consumer<ConvCheck> onCheck) {
        listener = Objects.requireNonNull(onCheck);
    }

    private static ConvPath forcedPath(String name) {
        if (name == null || name.isEmpty() || name.equals("checked")) {
            return null;
        }
        for (ConvPath p : ConvPath.values()) {
            if (p.toString().equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("-D" + PATH_PROPERTY + " must be checked, onednn, padded, native or unfold, got '" + name + "'");
    }

    private static synchronized ConvCheck check(ConvShape shape) {
        ConvCheck check = CHECKS.get(shape);
        if (check == null) {
            check = ConvSelfCheck.run(shape, path -> path::apply);
            CHECKS.put(shape, check);
            IN_ORDER.add(check);
            listener.accept(check);
        }
        return check;
    }
}

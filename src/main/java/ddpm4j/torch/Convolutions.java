package ddpm4j.torch;

import org.bytedeco.pytorch.GradMode;
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
    private static final List<ConvCheck> IN_ORDER = new ArrayList<>();
    private static volatile Consumer<ConvCheck> listener = check -> { };

    private Convolutions() {
    }

    /**
     * {@code conv(x, weight) + bias} (bias may be null) for {@code x [N,in,H,W]} and {@code weight
     * [out,in,kh,kw]}, no dilation, one group, through the path checked for its shape.
     */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, long[] stride, long[] padding) {
        return pathFor(x, weight, bias, stride, padding).apply(x, weight, bias, stride, padding);
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

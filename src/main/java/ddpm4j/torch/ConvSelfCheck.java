package ddpm4j.torch;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Checks convolution paths on one shape against a float64 reference and picks the first that
 * agrees. The reference is libtorch's float64 convolution, which no oneDNN kernel computes (oneDNN
 * has no float64); the probe's inputs come from a fixed Java generator, so a check neither reads
 * nor moves libtorch's random state. Each path runs twice, after memory that libtorch is likely to
 * reuse has been filled with NaN, so that a kernel reading unset memory is caught rather than
 * saved by memory that happened to be zero.
 */
final class ConvSelfCheck {
    /** Float32 against float64: measured 1e-7 to 3e-6 where right, 0.1 to NaN where wrong. */
    static final double FP32_TOLERANCE = 1e-4;
    /** bfloat16 keeps 8 significant bits: measured 2e-3 to 4e-3 where right, 0.1 to NaN where wrong. */
    static final double BF16_TOLERANCE = 2e-2;

    /** A convolution under test (the paths themselves, or a stand-in in tests). */
    interface Convolution {
        Tensor apply(Tensor x, Tensor weight, Tensor bias, long[] stride, long[] padding);
    }

    private ConvSelfCheck() {
    }

    /** Checks the shape's {@linkplain ConvPath#candidates candidate paths}, each computed by {@code impl}, and returns the first that agrees. */
    static ConvCheck run(ConvShape shape, Function<ConvPath, Convolution> impl) {
        long start = System.nanoTime();
        try (PointerScope scope = new PointerScope()) {
            Probe probe = Probe.of(shape);
            // libtorch's conv2d in float64: its own im2col + gemm, as oneDNN has no float64 kernels
            List<Tensor> reference = Precision.withoutAutocast(() -> probe.run(ConvPath.ONEDNN::apply, torch.ScalarType.Double));
            Map<ConvPath, Double> errors = new LinkedHashMap<>();
            for (ConvPath path : ConvPath.candidates(shape.in(), shape.out())) {
                double error = 0;
                for (int repeat = 0; repeat < 2; repeat++) {
                    probe.poison();
                    try {
                        error = worst(error, relativeError(probe.run(impl.apply(path), torch.ScalarType.Float), reference));
                    } catch (RuntimeException e) { // a kernel that refuses the shape is as unusable as a wrong one
                        error = Double.NaN;
                    }
                }
                errors.put(path, error);
                if (error <= (shape.bf16() ? BF16_TOLERANCE : FP32_TOLERANCE)) {
                    return new ConvCheck(shape, path, errors, (System.nanoTime() - start) / 1e9);
                }
            }
            throw new IllegalStateException("no convolution path agrees with the float64 reference for " + shape
                    + " on this CPU (relative errors " + errors + ")");
        }
    }

    /** The largest relative L2 error of {@code results} against {@code reference}; NaN if any is NaN. */
    private static double relativeError(List<Tensor> results, List<Tensor> reference) {
        double worst = 0;
        for (int i = 0; i < reference.size(); i++) {
            Tensor ref = reference.get(i);
            double diff = results.get(i).to(torch.ScalarType.Double).sub(ref).norm().item_double();
            worst = worst(worst, diff / ref.norm().item_double());
        }
        return worst;
    }

    private static double worst(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.max(a, b);
    }

    /** {@code n} standard-normal values times {@code scale}, from {@code random} (the probes' fixed inputs). */
    static float[] gaussian(SplittableRandom random, long n, double scale) {
        float[] v = new float[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (scale * random.nextGaussian());
        }
        return v;
    }

    /** The probe's inputs: x, weight, bias and the upstream gradient, standard-normal with a unit-variance output. */
    private record Probe(ConvShape shape, float[] x, float[] weight, float[] bias, float[] upstream) {
        static Probe of(ConvShape s) {
            SplittableRandom random = new SplittableRandom(0x5eed);
            long fanIn = s.in() * s.kernelH() * s.kernelW();
            return new Probe(s, gaussian(random, s.batch() * s.in() * s.height() * s.width(), 1),
                    gaussian(random, s.out() * fanIn, 1 / Math.sqrt(fanIn)), gaussian(random, s.out(), 0.1),
                    gaussian(random, s.batch() * s.out() * s.outHeight() * s.outWidth(), 1));
        }

        /** The output, then each gradient the shape uses, computed by {@code conv} in {@code type}. */
        List<Tensor> run(Convolution conv, torch.ScalarType type) {
            ConvShape s = shape;
            Tensor xt = tensor(x, type, s.inputGrad(), s.batch(), s.in(), s.height(), s.width());
            Tensor w = tensor(weight, type, s.weightGrad(), s.out(), s.in(), s.kernelH(), s.kernelW());
            Tensor b = tensor(bias, type, s.weightGrad(), s.out());
            Tensor y = conv.apply(xt, w, b, new long[] {s.strideH(), s.strideW()}, new long[] {s.padH(), s.padW()});
            List<Tensor> out = new ArrayList<>(List.of(y.detach()));
            if (s.inputGrad() || s.weightGrad()) {
                y.mul(tensor(upstream, type, false, s.batch(), s.out(), s.outHeight(), s.outWidth())).sum().backward();
                if (s.inputGrad()) {
                    out.add(xt.grad());
                }
                if (s.weightGrad()) {
                    out.add(w.grad());
                    out.add(b.grad());
                }
            }
            return out;
        }

        /** Fills freed memory of the probe's sizes with NaN, so that the next allocations likely start as NaN. */
        void poison() {
            try (PointerScope scope = new PointerScope()) {
                for (long n : new long[] {x.length, upstream.length, weight.length, 2L * Math.max(x.length, upstream.length)}) {
                    torch.full(new long[] {n}, new Scalar(Float.NaN));
                }
            }
        }

        private static Tensor tensor(float[] data, torch.ScalarType type, boolean grad, long... shape) {
            Tensor t = Tensors.fromFloats(data, shape);
            Tensor typed = type == torch.ScalarType.Float ? t : t.to(type);
            return grad ? typed.requires_grad_(true) : typed;
        }
    }
}

package ddpm4j.torch;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConvolutionsTest {
    /** A convolution's operands and an upstream gradient, with the direct sums in double as the reference. */
    private record Case(int n, int in, int out, int k, int stride, int pad, int h, int w) {
        int oh() {
            return (h + 2 * pad - k) / stride + 1;
        }

        int ow() {
            return (w + 2 * pad - k) / stride + 1;
        }

        /** y = conv(x, wt) + b and, for upstream g, dx, dw, db: each output term also scattered into the gradients. */
        double[][] direct(float[] x, float[] wt, float[] b, float[] g) {
            double[] y = new double[n * out * oh() * ow()];
            double[] dx = new double[x.length];
            double[] dw = new double[wt.length];
            double[] db = new double[out];
            for (int i = 0; i < n; i++) {
                for (int o = 0; o < out; o++) {
                    for (int r = 0; r < oh(); r++) {
                        for (int c = 0; c < ow(); c++) {
                            int yi = ((i * out + o) * oh() + r) * ow() + c;
                            double sum = b[o];
                            double up = g[yi];
                            db[o] += up;
                            for (int ch = 0; ch < in; ch++) {
                                for (int p = 0; p < k; p++) {
                                    for (int q = 0; q < k; q++) {
                                        int row = r * stride - pad + p;
                                        int col = c * stride - pad + q;
                                        if (row < 0 || row >= h || col < 0 || col >= w) {
                                            continue;
                                        }
                                        int xi = ((i * in + ch) * h + row) * w + col;
                                        int wi = ((o * in + ch) * k + p) * k + q;
                                        sum += x[xi] * (double) wt[wi];
                                        dx[xi] += up * wt[wi];
                                        dw[wi] += up * x[xi];
                                    }
                                }
                            }
                            y[yi] = sum;
                        }
                    }
                }
            }
            return new double[][] {y, dx, dw, db};
        }
    }

    private static float[] gaussian(SplittableRandom r, int count) {
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    private static double relativeError(Tensor got, double[] want) {
        float[] g = Tensors.toFloats(got);
        assertEquals(want.length, g.length);
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < g.length; i++) {
            diff += (g[i] - want[i]) * (g[i] - want[i]);
            norm += want[i] * want[i];
        }
        return Math.sqrt(diff / norm);
    }

    /** The worst relative error of y, dx, dw, db through {@code conv} against the direct sums. */
    private static double worstError(Case c, ConvSelfCheck.Convolution conv) {
        SplittableRandom r = new SplittableRandom(c.hashCode());
        float[] x = gaussian(r, c.n * c.in * c.h * c.w);
        float[] w = gaussian(r, c.out * c.in * c.k * c.k);
        float[] b = gaussian(r, c.out);
        float[] g = gaussian(r, c.n * c.out * c.oh() * c.ow());
        double[][] want = c.direct(x, w, b, g);
        try (PointerScope scope = new PointerScope()) {
            Tensor xt = Tensors.fromFloats(x, c.n, c.in, c.h, c.w).requires_grad_(true);
            Tensor wt = Tensors.fromFloats(w, c.out, c.in, c.k, c.k).requires_grad_(true);
            Tensor bt = Tensors.fromFloats(b, c.out).requires_grad_(true);
            Tensor y = conv.apply(xt, wt, bt, new long[] {c.stride, c.stride}, new long[] {c.pad, c.pad});
            y.mul(Tensors.fromFloats(g, c.n, c.out, c.oh(), c.ow())).sum().backward();
            List<Double> errors = List.of(relativeError(y, want[0]), relativeError(xt.grad(), want[1]),
                    relativeError(wt.grad(), want[2]), relativeError(bt.grad(), want[3]));
            return errors.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        }
    }

    private static final List<Case> ODD_SHAPES = List.of(
            new Case(2, 32, 1, 3, 1, 1, 8, 8), new Case(2, 20, 24, 3, 1, 1, 8, 8), new Case(2, 3, 12, 3, 2, 1, 9, 7),
            new Case(1, 5, 7, 1, 1, 0, 6, 6), new Case(3, 16, 3, 3, 1, 1, 5, 5), new Case(2, 17, 33, 3, 2, 0, 8, 8));

    @Test
    void thePaddedAndNativePathsAgreeWithDirectSumsOnShapesThatAreNoMultipleOf16() {
        for (Case c : ODD_SHAPES) {
            for (ConvPath p : List.of(ConvPath.PADDED, ConvPath.NATIVE)) {
                double err = worstError(c, p::apply);
                assertTrue(err < 1e-5, p + " " + c + ": relative error " + err);
            }
        }
    }

    /** Whatever oneDNN does on this CPU, the checked convolution is right. */
    @Test
    void theCheckedConvolutionAgreesWithDirectSumsInFp32AndBf16() {
        for (Case c : ODD_SHAPES) {
            double err = worstError(c, Convolutions::conv2d);
            assertTrue(err < 1e-5, c + ": relative error " + err);
            double[] bf16Error = new double[1];
            Precision.BF16.run(Device.CPU, () -> {
                bf16Error[0] = worstError(c, Convolutions::conv2d);
                return torch.zeros(1);
            });
            double bf16 = bf16Error[0];
            assertTrue(bf16 > 1e-4 && bf16 < 2e-2, c + " under bf16: relative error " + bf16);
        }
    }

    private static final ConvShape ODD = new ConvShape(2, 20, 24, 3, 3, 1, 1, 1, 1, 8, 8, false, true, true);
    private static final ConvShape BLOCKS = new ConvShape(2, 16, 32, 3, 3, 1, 1, 1, 1, 8, 8, false, true, true);

    /**
     * A path stood in for by a kernel whose forward pass is right and whose input gradient is not,
     * like the AMD fault; built on the native path, so that it is the same on every CPU.
     */
    private static Tensor wrongInputGradient(Tensor x, Tensor w, Tensor b, long[] stride, long[] padding) {
        Tensor s = x.sum();
        return ConvPath.NATIVE.apply(x, w, b, stride, padding).add(s.sub(s.detach()).mul(new Scalar(0.1)));
    }

    /** Every path stood in for by the native one, except {@code wrong}, which computes {@code instead}. */
    private static java.util.function.Function<ConvPath, ConvSelfCheck.Convolution> standIns(ConvPath wrong, ConvSelfCheck.Convolution instead) {
        return p -> p == wrong ? instead : ConvPath.NATIVE::apply;
    }

    @Test
    void aShapeWithAPartialChannelBlockNeverTakesPlainOnednn() {
        assertEquals(List.of(ConvPath.PADDED, ConvPath.NATIVE), ConvPath.candidates(20, 24));
        assertEquals(List.of(ConvPath.PADDED, ConvPath.NATIVE), ConvPath.candidates(1, 32));
        assertEquals(List.of(ConvPath.PADDED, ConvPath.NATIVE), ConvPath.candidates(32, 1));
        assertEquals(List.of(ConvPath.ONEDNN, ConvPath.NATIVE), ConvPath.candidates(16, 32));
        // a right stand-in for oneDNN is not even tried where a block is partial
        ConvCheck odd = ConvSelfCheck.run(ODD, p -> ConvPath.NATIVE::apply);
        assertEquals(ConvPath.PADDED, odd.path());
        assertEquals(List.of(ConvPath.PADDED), new ArrayList<>(odd.errors().keySet()));
        assertFalse(odd.switched());
        assertTrue(odd.describe().contains("zero-padded to 16 agrees"), odd.describe());
    }

    @Test
    void aKernelWithWrongGradientsIsReplacedByTheNextPathThatAgrees() {
        // the paths stood in for by the native one: this is about the choice, not this CPU's kernels
        ConvCheck odd = ConvSelfCheck.run(ODD, standIns(ConvPath.PADDED, ConvolutionsTest::wrongInputGradient));
        assertEquals(ConvPath.NATIVE, odd.path());
        assertTrue(odd.switched());
        assertTrue(odd.errors().get(ConvPath.PADDED) > 1e-2, odd.toString());
        assertTrue(odd.errors().get(ConvPath.NATIVE) < 1e-5, odd.toString());
        assertTrue(odd.describe().contains("20→24 channels") && odd.describe().startsWith("oneDNN, channels zero-padded")
                && odd.describe().contains("instead"), odd.describe());
        ConvCheck blocks = ConvSelfCheck.run(BLOCKS, standIns(ConvPath.ONEDNN, ConvolutionsTest::wrongInputGradient));
        assertEquals(ConvPath.NATIVE, blocks.path());
        assertEquals(List.of(ConvPath.ONEDNN, ConvPath.NATIVE), new ArrayList<>(blocks.errors().keySet()));
    }

    @Test
    void theInputGradientIsNotJudgedWhereItIsNotUsed() {
        ConvShape weightsOnly = new ConvShape(2, 16, 32, 3, 3, 1, 1, 1, 1, 8, 8, false, false, true);
        ConvCheck c = ConvSelfCheck.run(weightsOnly, standIns(ConvPath.ONEDNN, ConvolutionsTest::wrongInputGradient));
        assertEquals(ConvPath.ONEDNN, c.path());
        assertFalse(c.switched());
    }

    @Test
    void aRightKernelIsKeptARefusingOneIsPassedOverAndWhenNothingAgreesTheCheckSaysSo() {
        // a right stand-in for oneDNN (the native computation) is kept, whatever this CPU's oneDNN does
        ConvCheck right = ConvSelfCheck.run(BLOCKS, standIns(ConvPath.ONEDNN, ConvPath.NATIVE::apply));
        assertEquals(ConvPath.ONEDNN, right.path());
        assertTrue(right.errors().get(ConvPath.ONEDNN) < 1e-5);
        ConvSelfCheck.Convolution refusing = (x, w, b, stride, padding) -> {
            throw new IllegalStateException("could not create a primitive");
        };
        ConvCheck refused = ConvSelfCheck.run(BLOCKS, standIns(ConvPath.ONEDNN, refusing));
        assertEquals(ConvPath.NATIVE, refused.path());
        assertTrue(refused.errors().get(ConvPath.ONEDNN).isNaN());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ConvSelfCheck.run(ODD, p -> ConvolutionsTest::wrongInputGradient));
        assertTrue(e.getMessage().contains("20→24 channels"), e.getMessage());
    }

    @Test
    void aCheckLeavesLibtorchsRandomStateAlone() {
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(42);
            float[] plain = Tensors.toFloats(torch.randn(8));
            torch.manual_seed(42);
            ConvSelfCheck.run(new ConvShape(2, 6, 10, 3, 3, 1, 1, 1, 1, 5, 5, false, true, true), p -> p::apply);
            assertArrayEquals(plain, Tensors.toFloats(torch.randn(8)));
        }
    }

    @Test
    void eachNewShapeIsCheckedOnceWithTheGradientsItUses() {
        List<ConvCheck> heard = new ArrayList<>();
        Convolutions.setListener(heard::add);
        try (PointerScope scope = new PointerScope()) {
            Tensor x = torch.randn(3, 7, 11, 11);
            Tensor w = torch.randn(5, 7, 3, 3).requires_grad_(true);
            for (int i = 0; i < 3; i++) {
                Convolutions.conv2d(x, w, null, new long[] {1, 1}, new long[] {1, 1});
            }
            try (InferenceMode guard = new InferenceMode()) {
                Convolutions.conv2d(x, w, null, new long[] {1, 1}, new long[] {1, 1});
            }
        } finally {
            Convolutions.setListener(check -> { });
        }
        assertEquals(2, heard.size(), heard.toString());
        assertTrue(heard.get(0).shape().weightGrad() && !heard.get(0).shape().inputGrad());
        assertFalse(heard.get(1).shape().weightGrad());
        assertTrue(Convolutions.checks().containsAll(heard));
    }

    @Test
    void largeInputsAreProbedOnACropAndSingleImagesAlone() {
        ConvShape s = ConvShape.of(new long[] {8, 3, 256, 100}, new long[] {128, 3, 3, 3}, new long[] {1, 1}, new long[] {1, 1},
                false, false, true);
        assertEquals(List.of(2L, 64L, 64L), List.of((long) s.batch(), s.height(), s.width()));
        assertEquals(1, ConvShape.of(new long[] {1, 3, 28, 28}, new long[] {4, 3, 3, 3}, new long[] {1, 1}, new long[] {1, 1},
                false, false, false).batch());
    }
}

package ddpm4j.torch;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What runs on the meta device must be the same function as what runs elsewhere: on the CPU, in
 * float64, each written-out form and the {@link ConvPath#UNFOLD} convolution agree with libtorch's
 * own operation, forwards and in the input gradient.
 */
class MetaKernelsTest {
    @BeforeAll
    static void natives() {
        Natives.load();
        torch.manual_seed(7);
    }

    private static Tensor randn(long... shape) {
        return torch.randn(shape).to(torch.ScalarType.Double);
    }

    private static void assertClose(Tensor expected, Tensor actual, String what) {
        assertArrayEquals(Tensors.shape(expected), Tensors.shape(actual), what);
        double error = expected.sub(actual).abs().max().item_double();
        assertTrue(error < 1e-10, what + ": max difference " + error);
    }

    /** f and g agree at x, and so do their input gradients for a random cotangent. */
    private static void assertSameFunction(java.util.function.UnaryOperator<Tensor> f, java.util.function.UnaryOperator<Tensor> g,
                                           Tensor x, String what) {
        Tensor a = x.detach().requires_grad_(true);
        Tensor b = x.detach().requires_grad_(true);
        Tensor fa = f.apply(a);
        Tensor gb = g.apply(b);
        assertClose(fa, gb, what);
        Tensor cotangent = randn(Tensors.shape(fa));
        fa.mul(cotangent).sum().backward();
        gb.mul(cotangent).sum().backward();
        assertClose(a.grad(), b.grad(), what + " (gradient)");
    }

    @Test
    void writtenOutFormsAreLibtorchsOperations() {
        try (PointerScope scope = new PointerScope()) {
            Tensor w = randn(6);
            Tensor bias = randn(6);
            assertSameFunction(x -> torch.group_norm(x, 3, new TensorOptional(w), new TensorOptional(bias), 1e-6, false),
                    x -> MetaKernels.groupNormWrittenOut(x, 3, w, bias, 1e-6), randn(2, 6, 5, 4), "group norm");
            Tensor mean = randn(6);
            Tensor var = randn(6).abs().add(new Scalar(0.1));
            assertSameFunction(x -> torch.batch_norm(x, new TensorOptional(w), new TensorOptional(bias), new TensorOptional(mean),
                            new TensorOptional(var), false, 0.1, 1e-3, false),
                    x -> MetaKernels.batchNormEvalWrittenOut(x, w, bias, mean, var, 1e-3), randn(2, 6, 3, 3), "batch norm");
            Tensor rows = Tensors.fromLongs(new long[] {3, 0, 3, 1}, 4);
            assertSameFunction(t -> torch.embedding(t, rows), t -> MetaKernels.embeddingWrittenOut(t, rows), randn(5, 7), "embedding");
            Tensor x = randn(3, 8);
            assertSameFunction(torch::relu, MetaKernels::reluWrittenOut, x, "relu");
            assertSameFunction(t -> torch.clamp_min(t, new Scalar(0.25)), t -> MetaKernels.clampMinWrittenOut(t, 0.25), x, "clamp_min");
            Tensor other = randn(3, 8);
            Tensor condition = randn(3, 8).gt(new Scalar(0.0));
            assertSameFunction(t -> torch.where(condition, t, other), t -> MetaKernels.whereWrittenOut(condition, t, other), x, "where");
        }
    }

    @Test
    void theUnfoldConvolutionIsAConvolution() {
        long[][] strides = {{1, 1}, {2, 2}, {1, 1}, {2, 1}};
        long[][] paddings = {{1, 1}, {1, 1}, {0, 0}, {0, 2}};
        long[][] kernels = {{3, 3}, {3, 3}, {1, 1}, {3, 5}};
        for (int k = 0; k < strides.length; k++) {
            try (PointerScope scope = new PointerScope()) {
                long[] stride = strides[k];
                long[] padding = paddings[k];
                Tensor weight = randn(5, 3, kernels[k][0], kernels[k][1]);
                Tensor bias = randn(5);
                String what = "kernel " + kernels[k][0] + "x" + kernels[k][1] + ", stride " + stride[0] + "," + stride[1]
                        + ", padding " + padding[0] + "," + padding[1];
                assertSameFunction(x -> ConvPath.NATIVE.apply(x, weight, bias, stride, padding),
                        x -> ConvPath.UNFOLD.apply(x, weight, bias, stride, padding), randn(2, 3, 9, 8), what);
                assertSameFunction(w -> ConvPath.NATIVE.apply(randnFixed(), w, null, stride, padding),
                        w -> ConvPath.UNFOLD.apply(randnFixed(), w, null, stride, padding), weight, what + " (weight)");
            }
        }
    }

    private static Tensor fixedInput;

    /** One input for both sides of the weight-gradient comparison. */
    private static Tensor randnFixed() {
        if (fixedInput == null) {
            fixedInput = randn(2, 3, 9, 8);
            fixedInput.retainReference();
        }
        return fixedInput;
    }
}

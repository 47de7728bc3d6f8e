package ddpm4j.nn;

import ddpm4j.torch.Convolutions;
import ddpm4j.torch.Natives;
import ddpm4j.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 34: in fp32 an image's result does not depend on the batch it is computed in, to the bit. BLAS and oneDNN
 * pick kernels by the row count and by the batch (a single image differed from its row of a batch by 1e-5 per
 * layer on the AMD EPYC Zen 4), and a seeded sample must not.
 */
class BatchInvarianceTest {
    @BeforeAll
    static void natives() {
        Natives.load();
    }

    private static Tensor gaussian(long seed, long... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[Math.toIntExact(Arrays.stream(shape).reduce(1, (a, b) -> a * b))];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return Tensors.fromFloats(v, shape);
    }

    /** Each of the first {@code rows} images of {@code f} computed in batches of 1, 2, 3 and 8 equals its row of the batch of 8. */
    private static void assertBatchFree(String what, Tensor x, java.util.function.Function<Tensor, Tensor> f) {
        Tensor all = f.apply(x);
        for (int size : new int[] {1, 2, 3}) {
            for (int first = 0; first + size <= x.size(0); first += size) {
                Tensor part = f.apply(x.narrow(0, first, size).contiguous());
                assertTrue(torch.equal(part, all.narrow(0, first, size)), what + ": images " + first + ".." + (first + size - 1)
                        + " in a batch of " + size + " differ from the batch of " + x.size(0) + " by "
                        + part.sub(all.narrow(0, first, size)).abs().max().item_double());
            }
        }
    }

    @Test
    void aLinearLayerGivesEachRowTheSameResultInAnyBatch() {
        try (PointerScope scope = new PointerScope(); InferenceMode guard = new InferenceMode()) {
            for (long[] s : new long[][] {{128, 512, 1}, {512, 512, 1}, {512, 64, 1}, {64, 64, 49}, {32, 32, 196}}) {
                Linear layer = Layer.building(ddpm4j.torch.Device.CPU, () -> new Linear(s[0], s[1], 1.0));
                layer.initialize(new WeightInit(3));
                Tensor x = s[2] == 1 ? gaussian(1, 8, s[0]) : gaussian(1, 8, s[2], s[0]);
                assertBatchFree("linear " + s[0] + "→" + s[1] + " over " + s[2] + " tokens", x, layer::forward);
            }
        }
    }

    @Test
    void aConvolutionGivesEachImageTheSameResultInAnyBatch() {
        try (PointerScope scope = new PointerScope(); InferenceMode guard = new InferenceMode()) {
            // {in, out, side, kernel, stride, padding}: the U-Nets' shapes, among them those whose single-image kernels sum otherwise
            for (long[] s : new long[][] {{1, 32, 28, 3, 1, 1}, {32, 64, 14, 3, 1, 1}, {64, 64, 7, 3, 1, 1}, {128, 128, 8, 3, 1, 1},
                    {64, 32, 14, 1, 1, 0}, {32, 32, 28, 3, 2, 0}, {3, 128, 32, 3, 1, 1}, {96, 32, 28, 3, 1, 1}}) {
                Tensor w = gaussian(2, s[1], s[0], s[3], s[3]).div(new org.bytedeco.pytorch.Scalar(Math.sqrt(s[0] * s[3] * s[3])));
                Tensor b = gaussian(3, s[1]);
                long[] stride = {s[4], s[4]};
                long[] padding = {s[5], s[5]};
                assertBatchFree("convolution " + Arrays.toString(s), gaussian(4, 8, s[0], s[2], s[2]),
                        x -> Convolutions.conv2d(x, w, b, stride, padding));
            }
        }
    }

    @Test
    void theUNetGivesEachImageTheSameOutputInAnyBatch() {
        UNetConfig withAttention = UNetConfig.ddpm(16, 3, 32, new int[] {1, 2}, 1, List.of(8), 0.0);
        try (UNet2DModel net = new UNet2DModel(withAttention, 7); PointerScope scope = new PointerScope()) {
            long[] t = {0, 999, 17, 500, 250, 3, 640, 1};
            Tensor steps = Tensors.fromLongs(t, 8);
            Tensor x = gaussian(5, 8, 3, 16, 16);
            Tensor all = net.infer(x, steps);
            for (int i = 0; i < 8; i++) {
                Tensor one = net.infer(x.narrow(0, i, 1).contiguous(), steps.narrow(0, i, 1).contiguous());
                assertTrue(torch.equal(one, all.narrow(0, i, 1)), "image " + i + " alone differs from its row of the batch by "
                        + one.sub(all.narrow(0, i, 1)).abs().max().item_double());
            }
            Tensor three = net.infer(x.narrow(0, 2, 3).contiguous(), steps.narrow(0, 2, 3).contiguous());
            assertTrue(torch.equal(three, all.narrow(0, 2, 3)), "images 2..4 as a batch of 3");
        }
    }
}

package ddpm4j.torch;

import ddpm4j.nn.UNet2DModel;
import ddpm4j.nn.UNetConfig;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrecisionTest {
    /** A trained-looking network: random weights everywhere, also in the zero-initialised output layer. */
    private static UNet2DModel network() {
        UNet2DModel m = new UNet2DModel(UNetConfig.ddpm(8, 1, 32, new int[] {1, 2}, 1, List.of(4), 0.0), 3);
        SplittableRandom r = new SplittableRandom(5);
        try (PointerScope scope = new PointerScope()) {
            for (var e : m.stateDict().entrySet()) {
                if (e.getKey().startsWith("conv_out")) {
                    float[] v = new float[(int) e.getValue().numel()];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = (float) (0.05 * r.nextGaussian());
                    }
                    try (var guard = new org.bytedeco.pytorch.NoGradGuard()) {
                        e.getValue().copy_(Tensors.fromFloats(v, Tensors.shape(e.getValue())));
                    }
                }
            }
        }
        return m;
    }

    @Test
    void bf16StaysWithinBfloat16RoundingOfFp32AndLeavesAutocastAsItWas() {
        try (UNet2DModel m = network(); PointerScope scope = new PointerScope()) {
            Tensor x = torch.randn(4, 1, 8, 8);
            Tensor t = Tensors.fromLongs(new long[] {0, 10, 500, 999}, 4);
            float[] exact = Tensors.toFloats(m.infer(x, t));
            m.setPrecision(Precision.BF16);
            Tensor fast = m.infer(x, t);
            assertEquals(torch.ScalarType.Float.value, fast.scalar_type().value);
            float[] approx = Tensors.toFloats(fast);
            double num = 0;
            double den = 0;
            for (int i = 0; i < exact.length; i++) {
                num += (approx[i] - exact[i]) * (approx[i] - exact[i]);
                den += exact[i] * exact[i];
            }
            double rel = Math.sqrt(num / den);
            // bfloat16 keeps 8 significant bits (relative rounding 2^-9 = 0.2%); errors grow over ~20 layers
            assertTrue(rel > 1e-5 && rel < 0.03, "relative error " + rel);
            assertFalse(torch.is_autocast_enabled(torch.DeviceType.CPU));
            m.setPrecision(Precision.FP32);
            float[] again = Tensors.toFloats(m.infer(x, t));
            for (int i = 0; i < exact.length; i++) {
                assertEquals(exact[i], again[i], 0.0f);
            }
        }
    }

    @Test
    void namesAreCaseInsensitive() {
        assertEquals(Precision.BF16, Precision.of("BF16"));
        assertEquals("fp32", Precision.of("fp32").toString());
        assertEquals(Precision.FP16, Precision.of("Fp16"));
        assertThrows(IllegalArgumentException.class, () -> Precision.of("fp8"));
    }

    @Test
    void fp16IsForCudaOnly() {
        assertThrows(IllegalArgumentException.class, () -> Precision.FP16.requireSupportedOn(Device.CPU));
        assertEquals(Precision.FP16, Precision.FP16.requireSupportedOn(Device.parse("cuda:0")));
        try (UNet2DModel m = network()) {
            assertThrows(IllegalArgumentException.class, () -> m.setPrecision(Precision.FP16));
            assertEquals(Precision.FP32, m.precision(), "a refused precision leaves the network as it was");
        }
    }

    /** Training under bf16: the float32 parameters get float32 gradients close to the exact ones. */
    @Test
    void bf16GradientsAreFloat32AndCloseToExact() {
        try (UNet2DModel m = network(); PointerScope scope = new PointerScope()) {
            Tensor x = torch.randn(4, 1, 8, 8);
            Tensor t = Tensors.fromLongs(new long[] {0, 10, 500, 999}, 4);
            float[][] grads = new float[2][];
            for (Precision p : List.of(Precision.FP32, Precision.BF16)) {
                m.setPrecision(p);
                m.module().zero_grad(true);
                m.forward(x, t).pow(new org.bytedeco.pytorch.Scalar(2)).mean().backward();
                Tensor g = m.stateDict().get("down_blocks.0.resnets.0.conv1.weight").grad();
                assertEquals(torch.ScalarType.Float.value, g.scalar_type().value);
                grads[p.ordinal()] = Tensors.toFloats(g);
            }
            double num = 0;
            double den = 0;
            for (int i = 0; i < grads[0].length; i++) {
                num += (grads[1][i] - grads[0][i]) * (grads[1][i] - grads[0][i]);
                den += grads[0][i] * grads[0][i];
            }
            double rel = Math.sqrt(num / den);
            assertTrue(rel > 1e-5 && rel < 0.05, "relative gradient error " + rel);
        }
    }
}

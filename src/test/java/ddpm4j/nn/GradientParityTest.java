package ddpm4j.nn;

import ddpm4j.TestDevice;
import ddpm4j.io.Model;
import ddpm4j.io.ModelDirectory;
import ddpm4j.io.Npy;
import ddpm4j.io.Npz;
import ddpm4j.torch.Precision;
import ddpm4j.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gradients of the whole network against {@code reference/ddpm_reference.py gradients --preset odd}:
 * the original architecture written independently in PyTorch, its gradients of mean(output²)
 * computed in float64 (no oneDNN kernel runs in float64), on a network whose channel counts (1,
 * 12, 24, 36, 48) are no multiple of 16, where oneDNN has been seen to be wrong. A CPU whose
 * kernels compute wrong gradients fails here, whatever the forward pass gives.
 */
class GradientParityTest {
    static final Path FIXTURE = Path.of("src/test/resources/reference/odd");

    /** The loss of the fixture's input; the model's parameters keep its gradients. */
    private static double lossAndBackward(UNet2DModel unet) throws Exception {
        try (PointerScope scope = new PointerScope()) {
            Tensor x = unet.device().put(Tensors.fromFloats(Npy.read(FIXTURE.resolve("x.npy")).toFloats(),
                    Npy.read(FIXTURE.resolve("x.npy")).shape()));
            Npy.Array t = Npy.read(FIXTURE.resolve("t.npy"));
            long[] steps = new long[(int) t.count()];
            double[] tv = t.toDoubles();
            for (int i = 0; i < steps.length; i++) {
                steps[i] = (long) tv[i];
            }
            unet.module().zero_grad(true);
            Tensor loss = unet.forward(x, unet.device().put(Tensors.fromLongs(steps, steps.length))).pow(new Scalar(2)).mean();
            loss.backward();
            return loss.item_double();
        }
    }

    private static Map<String, float[]> referenceGradients() throws Exception {
        Map<String, float[]> grads = new TreeMap<>();
        Npz.read(FIXTURE.resolve("grads.npz")).forEach((k, v) -> grads.put(k, v.toFloats()));
        return grads;
    }

    private static double l2(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - (b == null ? 0 : b[i]);
            s += d * d;
        }
        return Math.sqrt(s);
    }

    @Test
    void everyParameterGradientMatchesTheFloat64Reference() throws Exception {
        try (Model model = ModelDirectory.load(FIXTURE.resolve("model")).to(TestDevice.get())) {
            UNet2DModel unet = model.unet();
            double loss = lossAndBackward(unet);
            double want = Npy.read(FIXTURE.resolve("loss.npy")).toDoubles()[0];
            assertEquals(want, loss, 1e-5 * want, "loss");
            Map<String, float[]> reference = referenceGradients();
            assertEquals(reference.keySet(), new java.util.TreeSet<>(unet.stateDict().keySet()), "parameter names");
            double total = 0;
            for (float[] g : reference.values()) {
                total += Math.pow(l2(g, null), 2);
            }
            total = Math.sqrt(total);
            StringBuilder wrong = new StringBuilder();
            double worst = 0;
            for (var e : reference.entrySet()) {
                float[] got = Tensors.toFloats(unet.stateDict().get(e.getKey()).grad());
                double norm = l2(e.getValue(), null);
                // the keys' biases shift every logit of a query alike, which softmax ignores: their exact gradient is 0
                boolean zero = norm < 1e-9 * total;
                double rel = zero ? l2(got, null) / total : l2(got, e.getValue()) / norm;
                worst = Double.isNaN(rel) || zero ? worst : Math.max(worst, rel);
                if (!(rel < (zero ? 1e-6 : 1e-4))) {
                    wrong.append(String.format(" %s %.2g;", e.getKey(), rel));
                }
            }
            assertTrue(wrong.isEmpty(), "gradients off the float64 reference (relative L2 error):" + wrong);
            assertTrue(worst > 0, "float32 gradients cannot equal float64 ones in every bit");
        }
    }

    /** Under bf16 autocast the gradients stay within bfloat16 rounding of the exact ones, taken over all parameters. */
    @Test
    void bf16GradientsStayNearTheFloat64Reference() throws Exception {
        try (Model model = ModelDirectory.load(FIXTURE.resolve("model")).to(TestDevice.get())) {
            UNet2DModel unet = model.unet();
            unet.setPrecision(Precision.BF16);
            lossAndBackward(unet);
            double diff = 0;
            double norm = 0;
            for (var e : referenceGradients().entrySet()) {
                float[] got = Tensors.toFloats(unet.stateDict().get(e.getKey()).grad());
                diff += Math.pow(l2(got, e.getValue()), 2);
                norm += Math.pow(l2(e.getValue(), null), 2);
            }
            double rel = Math.sqrt(diff / norm);
            assertTrue(rel > 1e-4 && rel < 0.05, "relative error of all bf16 gradients " + rel);
        }
    }

    /**
     * Central differences of the loss, independent of autograd and of the fixture's gradients, at
     * the largest-gradient element of layers from the first to the last.
     */
    @Test
    void finiteDifferencesAgreeWithBackpropagation() throws Exception {
        try (Model model = ModelDirectory.load(FIXTURE.resolve("model")).to(TestDevice.get())) {
            UNet2DModel unet = model.unet();
            lossAndBackward(unet);
            for (String name : List.of("conv_in.weight", "time_embedding.linear_1.weight", "down_blocks.0.resnets.0.conv1.weight",
                    "mid_block.attentions.0.to_q.weight", "up_blocks.1.resnets.1.conv_shortcut.weight", "conv_norm_out.bias")) {
                Tensor p = unet.stateDict().get(name);
                float[] grad = Tensors.toFloats(p.grad());
                int at = 0;
                for (int i = 0; i < grad.length; i++) {
                    at = Math.abs(grad[i]) > Math.abs(grad[at]) ? i : at;
                }
                float[] original = Tensors.toFloats(p);
                float up = original[at] + 1e-2f;
                float down = original[at] - 1e-2f;
                double numeric = (lossWith(unet, p, original, at, up) - lossWith(unet, p, original, at, down)) / ((double) up - down);
                set(p, original);
                assertEquals(numeric, grad[at], 0.03 * Math.abs(numeric) + 2e-5, name + "[" + at + "]");
            }
        }
    }

    /** The loss with element {@code at} of {@code p} set to {@code value}, the others as in {@code original}. */
    private static double lossWith(UNet2DModel unet, Tensor p, float[] original, int at, float value) throws Exception {
        float[] moved = original.clone();
        moved[at] = value;
        set(p, moved);
        return lossAndBackward(unet);
    }

    private static void set(Tensor p, float[] values) {
        try (NoGradGuard guard = new NoGradGuard(); PointerScope scope = new PointerScope()) {
            p.copy_(Tensors.fromFloats(values, Tensors.shape(p)));
        }
    }
}

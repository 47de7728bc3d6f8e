package ddpm4j.sample;

import ddpm4j.diffusion.Denoiser;
import ddpm4j.nn.UNet2DModel;
import ddpm4j.nn.UNetConfig;
import ddpm4j.torch.Natives;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConditioningTest {
    @BeforeAll
    static void natives() {
        Natives.load();
    }

    /** A stand-in network whose output is x + 10·label in every channel: guidance is then closed-form. */
    static Tensor fake(Tensor x, Tensor t, Tensor labels) {
        return x.add(labels.to(torch.ScalarType.Float).mul(new org.bytedeco.pytorch.Scalar(10)).reshape(-1, 1, 1, 1));
    }

    @Test
    void guidanceExtrapolatesFromTheUnconditionalOutput() {
        Tensor x = Tensors.fromFloats(new float[] {0.5f, -1f, 2f, 3f}, 2, 2, 1, 1);
        Tensor t = Tensors.fromLongs(new long[] {7, 7}, 2);
        long none = 9;
        for (double w : new double[] {0, 1, 3.5}) {
            int[] calls = {0};
            Conditioning.ConditionalNet net = (a, b, c) -> {
                calls[0]++;
                return fake(a, b, c);
            };
            Denoiser d = Conditioning.everyClass(none, w).guided(net, new long[] {2, 4}, 2);
            float[] out = Tensors.toFloats(d.apply(x, t));
            float[] in = Tensors.toFloats(x);
            long[] labels = {2, 2, 4, 4};
            for (int i = 0; i < 4; i++) {
                double uncond = in[i] + 10 * none;
                double cond = in[i] + 10 * labels[i];
                assertEquals(uncond + w * (cond - uncond), out[i], 1e-4, "w = " + w);
            }
            assertEquals(1, calls[0], "one network call (a doubled batch when guiding)");
        }
    }

    @Test
    void onlyTheDataChannelsAreGuidedWhenTheVarianceIsLearned() {
        Tensor x = torch.zeros(1, 2, 1, 1);
        Denoiser d = Conditioning.everyClass(3, 2.0).guided(ConditioningTest::fake, new long[] {1}, 1);
        float[] out = Tensors.toFloats(d.apply(x, Tensors.fromLongs(new long[] {0}, 1)));
        assertEquals(30 + 2 * (10 - 30), out[0], 1e-5, "guided mean channel");
        assertEquals(10, out[1], 1e-5, "the variance channel is the conditional one");
    }

    @Test
    void aClassConditionalUNetHasAClassEmbeddingAndNeedsLabels() {
        UNetConfig base = UNetConfig.ddpm(8, 1, 32, new int[] {1, 2}, 1, List.of(4), 0.0);
        UNetConfig conditional = base.withClassEmbeds(4);
        try (UNet2DModel plain = new UNet2DModel(base, 1); UNet2DModel m = new UNet2DModel(conditional, 1)) {
            long temb = 4 * 32;
            assertEquals(plain.parameterCount() + 4 * temb, m.parameterCount());
            assertEquals(List.of(4L, temb), java.util.Arrays.stream(Tensors.shape(m.stateDict().get("class_embedding.weight"))).boxed().toList());
            Tensor x = torch.randn(2, 1, 8, 8);
            Tensor t = Tensors.fromLongs(new long[] {10, 10}, 2);
            float[] a = Tensors.toFloats(m.infer(x, t, Tensors.fromLongs(new long[] {0, 1}, 2)));
            float[] b = Tensors.toFloats(m.infer(x, t, Tensors.fromLongs(new long[] {2, 1}, 2)));
            int half = a.length / 2;
            double firstDiff = 0;
            double secondDiff = 0;
            for (int i = 0; i < half; i++) {
                firstDiff += Math.abs(a[i] - b[i]);
                secondDiff += Math.abs(a[half + i] - b[half + i]);
            }
            assertTrue(firstDiff > 0, "another label, another output");
            assertEquals(0, secondDiff, 1e-5, "the same label, the same output");
            assertThrows(IllegalArgumentException.class, () -> m.infer(x, t));
            assertThrows(IllegalArgumentException.class, () -> m.infer(x, t, Tensors.fromLongs(new long[] {0, 4}, 2)));
            assertThrows(IllegalArgumentException.class, () -> plain.infer(x, t, Tensors.fromLongs(new long[] {0, 1}, 2)));
        }
    }
}

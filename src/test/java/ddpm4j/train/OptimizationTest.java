package ddpm4j.train;

import ddpm4j.torch.Natives;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.AdamOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class OptimizationTest {
    @BeforeAll
    static void natives() {
        Natives.load();
    }

    /** Sets p.grad to g by back-propagating sum(p · g). */
    static void setGrad(Tensor p, float[] g) {
        p.mul(Tensors.fromFloats(g, Tensors.shape(p))).sum().backward();
    }

    @Test
    void adamMatchesLibtorchsAdam() {
        float[] init = {0.5f, -1.5f, 2f, 0.01f};
        float[][] grads = {{0.1f, -0.3f, 2f, 0f}, {-0.2f, 0.3f, 1f, 1e-4f}, {0.05f, 0.3f, -3f, 0.2f}};
        Tensor ours = Tensors.fromFloats(init, 4).set_requires_grad(true);
        Tensor theirs = Tensors.fromFloats(init, 4).set_requires_grad(true);
        Map<String, Tensor> params = new LinkedHashMap<>();
        params.put("p", ours);
        Adam adam = new Adam(params, 0.9, 0.999, 1e-8);
        AdamOptions options = new AdamOptions(0.01);
        org.bytedeco.pytorch.Adam reference = new org.bytedeco.pytorch.Adam(new TensorVector(theirs), options);
        for (float[] g : grads) {
            setGrad(ours, g);
            setGrad(theirs, g);
            adam.step(0.01);
            reference.step();
            ours.grad().zero_();
            theirs.grad().zero_();
            float[] a = Tensors.toFloats(ours);
            float[] b = Tensors.toFloats(theirs);
            for (int i = 0; i < 4; i++) {
                assertEquals(b[i], a[i], 1e-6);
            }
        }
        // the moments round-trip through state()/restore()
        Map<String, Tensor> other = new LinkedHashMap<>();
        other.put("p", Tensors.fromFloats(init, 4));
        Adam copy = new Adam(other, 0.9, 0.999, 1e-8);
        copy.restore(adam.state(), adam.steps());
        assertArrayEquals(adam.state().get("m.p").data(), copy.state().get("m.p").data());
        assertArrayEquals(adam.state().get("v.p").data(), copy.state().get("v.p").data());
        assertEquals(3, copy.steps());
    }

    @Test
    void emaFollowsItsRecurrence() {
        Tensor theta = Tensors.fromFloats(new float[] {1f, -2f}, 2);
        Tensor shadow = Tensors.fromFloats(new float[] {0f, 0f}, 2);
        Ema ema = new Ema(Map.of("w", shadow), Map.of("w", theta), 0.9, false);
        assertArrayEquals(new float[] {1f, -2f}, Tensors.toFloats(shadow), "starts at θ");
        double expected0 = 1;
        double[] targets = {3, 5, -1};
        for (int n = 0; n < targets.length; n++) {
            theta.copy_(Tensors.fromFloats(new float[] {(float) targets[n], 0f}, 2));
            ema.update(n);
            expected0 = 0.9 * expected0 + 0.1 * targets[n];
            assertEquals(expected0, Tensors.toFloats(shadow)[0], 1e-6);
        }
        Ema warm = new Ema(Map.of("w", Tensors.fromFloats(new float[2], 2)), Map.of("w", theta), 0.9999, true);
        assertEquals(1.0 / 10, warm.decayAt(0), 1e-15);
        assertEquals(101.0 / 110, warm.decayAt(100), 1e-15);
        assertEquals(0.9999, warm.decayAt(1_000_000), 1e-15);
    }

    @Test
    void warmupIsLinearThenConstant() {
        assertEquals(2e-4 / 5000, LearningRate.at(2e-4, 5000, 1), 1e-20);
        assertEquals(1e-4, LearningRate.at(2e-4, 5000, 2500), 1e-18);
        assertEquals(2e-4, LearningRate.at(2e-4, 5000, 5000), 1e-18);
        assertEquals(2e-4, LearningRate.at(2e-4, 5000, 90000), 1e-18);
        assertEquals(2e-4, LearningRate.at(2e-4, 0, 1), 1e-18);
    }

    @Test
    void decayFallsLinearlyToZeroOverTheLastSteps() {
        // 10,000 steps, warm-up 100, decay over the last 4,000: constant through step 6,000
        assertEquals(1e-3 / 100, LearningRate.at(1e-3, 100, 4000, 10_000, 1), 1e-20);
        assertEquals(1e-3, LearningRate.at(1e-3, 100, 4000, 10_000, 6000), 1e-18);
        assertEquals(1e-3, LearningRate.at(1e-3, 100, 4000, 10_000, 6001), 1e-18);
        assertEquals(1e-3 * 2000 / 4000, LearningRate.at(1e-3, 100, 4000, 10_000, 8001), 1e-18);
        assertEquals(1e-3 / 4000, LearningRate.at(1e-3, 100, 4000, 10_000, 10_000), 1e-20);
        // no decay: the warm-up schedule alone
        assertEquals(LearningRate.at(1e-3, 100, 9999), LearningRate.at(1e-3, 100, 0, 10_000, 9999), 0);
        // warm-up and decay overlap when the decay covers the whole run: both factors apply
        assertEquals(1e-3 * (10.0 / 100) * (91.0 / 100), LearningRate.at(1e-3, 100, 100, 100, 10), 1e-18);
    }

    @Test
    void resumeChangesOnlyStepsDecayAndFlips() {
        TrainSettings saved = TrainSettings.paper(50_000);
        TrainSettings changed = new TrainSettings.Changes(60_000L, 8_000L, false, null, null).applyTo(saved);
        assertEquals(60_000, changed.steps());
        assertEquals(8_000, changed.lrDecay());
        assertFalse(changed.hflip());
        assertEquals(saved, new TrainSettings.Changes(50_000L, 0L, true, null, null).applyTo(saved));
        assertEquals(saved, TrainSettings.Changes.NONE.applyTo(saved));
        assertEquals(2e-4 * 1000 / 8000, changed.lrAt(59_001), 1e-18);
    }

    @Test
    void gradientClippingScalesToTheGlobalNorm() {
        Tensor a = Tensors.fromFloats(new float[] {1, 1}, 2).set_requires_grad(true);
        Tensor b = Tensors.fromFloats(new float[] {1}, 1).set_requires_grad(true);
        setGrad(a, new float[] {3, 0});
        setGrad(b, new float[] {4});
        double norm = torch.clip_grad_norm_(new TensorVector(a, b), 1.0);
        assertEquals(5.0, norm, 1e-6, "returns the norm before clipping");
        assertArrayEquals(new float[] {0.6f, 0f}, Tensors.toFloats(a.grad()), 1e-5f);
        assertArrayEquals(new float[] {0.8f}, Tensors.toFloats(b.grad()), 1e-5f);
    }
}

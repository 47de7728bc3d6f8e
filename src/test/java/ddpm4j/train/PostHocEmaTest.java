package ddpm4j.train;

import ddpm4j.io.FloatArray;
import ddpm4j.io.Model;
import ddpm4j.io.ModelDirectory;
import ddpm4j.io.Safetensors;
import ddpm4j.io.Weights;
import ddpm4j.torch.Natives;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** EDM2's power-function EMA and post-hoc EMA, against its published values and the profiles' closed forms. */
class PostHocEmaTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void natives() {
        Natives.load();
    }

    @Test
    void sigmaRelAndGammaAreEdm2s() { // EDM2 section 3.1: σ_rel 0.05 and 0.10 are γ = 16.97 and 6.94
        assertEquals(16.97, PowerEma.gamma(0.05), 0.005);
        assertEquals(6.94, PowerEma.gamma(0.10), 0.005);
        for (double s : new double[] {0.01, 0.05, 0.1, 0.2, 0.28}) {
            assertEquals(s, PowerEma.sigmaRel(PowerEma.gamma(s)), 1e-12);
        }
        assertEquals(0.30028, PowerEma.MAX_SIGMA_REL, 1e-5); // at γ = (√5 − 3)/2
        assertThrows(IllegalArgumentException.class, () -> PowerEma.gamma(0.31));
        assertThrows(IllegalArgumentException.class, () -> PowerEma.gamma(0));
    }

    @Test
    void thePowerEmaOfALinearTrajectoryIsItsProfilesMean() { // θ(τ) = τ: ∫ τ (γ+1) τ^γ / t^{γ+1} dτ = (γ+1)/(γ+2) t
        for (double sigmaRel : new double[] {0.05, 0.10}) {
            double gamma = PowerEma.gamma(sigmaRel);
            Tensor w = Tensors.fromFloats(new float[] {0}, 1);
            Tensor shadow = Tensors.fromFloats(new float[] {0}, 1);
            Ema ema = Ema.power(Map.of("w", shadow), Map.of("w", w), gamma);
            int t = 2000;
            for (int n = 0; n < t; n++) {
                w.fill_(new org.bytedeco.pytorch.Scalar((double) (n + 1)));
                ema.update(n);
            }
            assertEquals((gamma + 1) / (gamma + 2) * t, Tensors.toFloats(shadow)[0], 0.002 * t, "σ_rel " + sigmaRel);
        }
    }

    @Test
    void coefficientsReproduceASnapshotAndApproximateOtherLengths() {
        double g1 = PowerEma.gamma(0.05);
        double g2 = PowerEma.gamma(0.10);
        double[] gammas = new double[20];
        long[] steps = new long[20];
        for (int k = 0; k < 10; k++) { // both profiles every 100 steps
            gammas[2 * k] = g1;
            gammas[2 * k + 1] = g2;
            steps[2 * k] = steps[2 * k + 1] = 100L * (k + 1);
        }
        double[] x = PowerEma.coefficients(gammas, steps, g2, 1000);
        for (int k = 0; k < 20; k++) {
            assertEquals(k == 19 ? 1 : 0, x[k], 1e-6, "coefficient " + k);
        }
        assertEquals(0, PowerEma.relativeError(gammas, steps, x, g2, 1000), 1e-6);
        // a length between: the combined profile is close, and so is its mean of θ(τ) = τ, (γ+1)/(γ+2) t
        for (double target : new double[] {0.07, 0.13}) {
            double g = PowerEma.gamma(target);
            double[] c = PowerEma.coefficients(gammas, steps, g, 1000);
            assertTrue(PowerEma.relativeError(gammas, steps, c, g, 1000) < 0.1, "σ_rel " + target);
            double mean = 0;
            for (int k = 0; k < 20; k++) {
                mean += c[k] * (gammas[k] + 1) / (gammas[k] + 2) * steps[k];
            }
            assertEquals((g + 1) / (g + 2) * 1000, mean, 5, "σ_rel " + target);
        }
    }

    @Test
    void aRunSnapshotsItsProfilesResumesThemAndTheCliRebuildsAnyLength() throws Exception {
        TrainSettings s = TrainerTest.settings(12).toBuilder().checkpointEvery(5).emaProfiles(List.of(0.05, 0.10), 4).build();
        Path whole = dir.resolve("whole");
        try (Trainer t = Trainer.start(whole, TrainerTest.ARCH, TrainerTest.PROCESS, s, TrainerTest.images())) {
            t.run(new Trainer.Listener() { });
        }
        assertEquals(6, PostHocEma.snapshots(whole).size(), "two profiles at steps 4, 8 and 12");
        Path cut = dir.resolve("cut");
        try (Trainer t = Trainer.start(cut, TrainerTest.ARCH, TrainerTest.PROCESS, s.toBuilder().steps(10).build(), TrainerTest.images())) {
            t.run(new Trainer.Listener() { });
        }
        try (Trainer t = Trainer.resume(cut, TrainerTest.images(), new TrainSettings.Changes(12L, null, null, null, null))) {
            t.run(new Trainer.Listener() { });
        }
        for (PostHocEma.Snapshot snap : PostHocEma.snapshots(whole)) { // the profiles survive the checkpoint bit for bit
            Map<String, FloatArray> a = Safetensors.read(snap.file());
            Map<String, FloatArray> b = Safetensors.read(cut.resolve(PostHocEma.DIR).resolve(snap.file().getFileName()));
            for (String k : a.keySet()) {
                assertArrayEquals(a.get(k).data(), b.get(k).data(), snap.file().getFileName() + " " + k);
            }
        }
        // σ_rel 0.10 at step 12 is the snapshot itself; 0.07 is a combination; a step without snapshots is refused
        PostHocEma.Result same = PostHocEma.reconstruct(whole, 0.10, 12);
        Map<String, FloatArray> snapshot = Safetensors.read(whole.resolve(PostHocEma.DIR).resolve(PostHocEma.fileName(12, 0.10)));
        for (String k : snapshot.keySet()) {
            assertArrayEquals(snapshot.get(k).data(), same.weights().get(k).data(), 1e-4f, k);
        }
        assertThrows(IllegalArgumentException.class, () -> PostHocEma.reconstruct(whole, 0.07, 6));
        Path out = dir.resolve("ema07");
        assertEquals(0, ddpm4j.cli.Main.run("ema", "--run", whole.toString(), "--sigma-rel", "0.07", "--out", out.toString()));
        try (Model m = ModelDirectory.load(out)) {
            Map<String, FloatArray> w = Weights.of(m.unet());
            assertArrayEquals(PostHocEma.reconstruct(whole, 0.07, 12).weights().get("conv_in.weight").data(), w.get("conv_in.weight").data());
        }
    }
}

package ddpm4j.train;

import ddpm4j.TestArrays;
import ddpm4j.diffusion.Denoiser;
import ddpm4j.schedule.NoiseSchedule;
import ddpm4j.schedule.Prediction;
import ddpm4j.schedule.SchedulerClass;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Progressive distillation's target and loss against closed forms and arithmetic written out in doubles. */
class ProgressiveDistillationTest {
    private static final int C = 1, H = 2, W = 3, N = C * H * W;

    @Test
    void theGridsAreDiffusersTrailingOnesAndNest() {
        ProgressiveDistillation pd = new ProgressiveDistillation(SchedulerConfig.paper(), null, (x, t) -> x, 2);
        assertArrayEquals(new int[] {999, 499}, pd.studentGrid()); // np.round(np.arange(1000, 0, -500)) - 1
        assertArrayEquals(new int[] {999, 749, 499, 249}, pd.teacherGrid());
        for (int k : new int[] {1, 4, 8, 32, 64, 256}) {
            ProgressiveDistillation p = new ProgressiveDistillation(SchedulerConfig.paper(), null, (x, t) -> x, k);
            assertEquals(k, p.steps());
            assertEquals(999, p.studentGrid()[0]);
        }
        assertThrows(IllegalArgumentException.class, () -> new ProgressiveDistillation(SchedulerConfig.paper(), null, (x, t) -> x, 501));
        assertThrows(IllegalArgumentException.class, () -> new ProgressiveDistillation(SchedulerConfig.paper(), null, (x, t) -> x, 0));
    }

    @Test
    void theStudentsProcessIsDdimOnTheTeachersBetasDrawnInItsPasses() {
        SchedulerConfig s = ProgressiveDistillation.studentProcess(SchedulerConfig.paper(), 4);
        assertEquals(SchedulerClass.DDIM, s.scheduler());
        assertEquals(Prediction.V, s.prediction());
        assertEquals("trailing", s.text("timestep_spacing"));
        assertTrue(s.bool("clip_sample"));
        assertEquals(4, ddpm4j.sample.Samplers.defaultSteps(s));
        SchedulerConfig again = SchedulerConfig.parse(s.toJson());
        assertEquals(4, ddpm4j.sample.Samplers.defaultSteps(again), "the pass count survives scheduler_config.json");
        assertEquals(4, ddpm4j.sample.Samplers.forModel(again).passes());
    }

    /**
     * Data of one point x*: the exact ε-network (x_t − √ᾱ x*)/√(1−ᾱ) makes every DDIM step exact, so the target is x*
     * itself; a student with the exact v has loss 0, and a student answering v = 0 has x̂ = √ᾱ x_t, loss
     * max(SNR, 1)·mean((x* − √ᾱ x_t)²).
     */
    @Test
    void onADataPointTheTargetIsThePoint() {
        SchedulerConfig process = SchedulerConfig.paper();
        NoiseSchedule s = ddpm4j.diffusion.GaussianDiffusion.of(process).schedule();
        float[] point = {0.3f, -0.5f, 0.9f, 0f, -0.2f, 0.7f};
        Tensor x0 = Tensors.fromFloats(repeat(point, 4), 4, C, H, W);
        Denoiser exact = (x, t) -> {
            long[] steps = Tensors.toLongs(t);
            float[] xv = Tensors.toFloats(x);
            float[] eps = new float[xv.length];
            for (int i = 0; i < xv.length; i++) {
                double a = s.alphaBar((int) steps[i / N]);
                eps[i] = (float) ((xv[i] - Math.sqrt(a) * point[i % N]) / Math.sqrt(1 - a));
            }
            return Tensors.fromFloats(eps, Tensors.shape(x));
        };
        ProgressiveDistillation pd = new ProgressiveDistillation(process, null, exact, 4);
        int[] index = {0, 1, 2, 3};
        float[] noise = TestArrays.gaussian(4 * N, 5);
        Tensor n = Tensors.fromFloats(noise, 4, C, H, W);
        Denoiser exactV = (x, t) -> { // v = √ᾱ ε − √(1−ᾱ) x*
            long[] steps = Tensors.toLongs(t);
            float[] e = Tensors.toFloats(exact.apply(x, t));
            float[] v = new float[e.length];
            for (int i = 0; i < e.length; i++) {
                double a = s.alphaBar((int) steps[i / N]);
                v[i] = (float) (Math.sqrt(a) * e[i] - Math.sqrt(1 - a) * point[i % N]);
            }
            return Tensors.fromFloats(v, Tensors.shape(x));
        };
        float[] zero = Tensors.toFloats(pd.loss(exactV, x0, index, n));
        for (float l : zero) {
            assertEquals(0, l, 1e-8);
        }
        float[] loss = Tensors.toFloats(pd.loss((x, t) -> x.mul(new Scalar(0.0)), x0, index, n));
        int[] grid = pd.studentGrid();
        for (int i = 0; i < 4; i++) {
            double a = s.alphaBar(grid[i]);
            double sum = 0;
            for (int j = 0; j < N; j++) {
                double xt = Math.sqrt(a) * point[j] + Math.sqrt(1 - a) * noise[i * N + j];
                sum += Math.pow(point[j] - Math.sqrt(a) * xt, 2);
            }
            assertEquals(Math.max(a / (1 - a), 1) * sum / N, loss[i], 1e-5 * Math.max(1, loss[i]), "image " + i);
        }
    }

    /** A linear ε-teacher (0.5 x + 0.1) without clipping, a student v = 0.2 x: Algorithm 2 written out in doubles. */
    @Test
    void theLossIsAlgorithmTwoForAnEpsilonTeacher() {
        check(Prediction.EPSILON, false);
    }

    /**
     * A linear v-teacher (0.3 x − 0.1, a later stage's teacher) with x̂₀ clipped: its ε̂ is recomputed from the clipped x̂₀, as
     * DDIM samples a v-model.
     */
    @Test
    void theLossIsAlgorithmTwoForAClippedVelocityTeacher() {
        check(Prediction.V, true);
    }

    private static void check(Prediction prediction, boolean clip) {
        SchedulerConfig process = new SchedulerConfig(1000, 1e-4, 0.02, ddpm4j.schedule.BetaSchedule.LINEAR, null,
                ddpm4j.schedule.VarianceType.FIXED_LARGE, clip, 1.0, prediction, "leading");
        NoiseSchedule s = ddpm4j.diffusion.GaussianDiffusion.of(process).schedule();
        double slope = prediction == Prediction.V ? 0.3 : 0.5;
        double offset = prediction == Prediction.V ? -0.1 : 0.1;
        ProgressiveDistillation pd = new ProgressiveDistillation(process, null,
                (x, t) -> x.mul(new Scalar(slope)).add(new Scalar(offset)), 8);
        int[] index = {0, 3, 7, 5, 1};
        int b = index.length;
        float[] x0 = TestArrays.gaussian(b * N, 1);
        float[] noise = TestArrays.gaussian(b * N, 2);
        float[] got = Tensors.toFloats(pd.loss((x, t) -> x.mul(new Scalar(0.2)), Tensors.fromFloats(x0, b, C, H, W), index,
                Tensors.fromFloats(noise, b, C, H, W)));
        for (int i = 0; i < b; i++) {
            // the grids as diffusers' trailing spacing makes them: round(T − j·T/K) − 1, 8 steps and the teacher's 16
            int t = (int) Math.rint(1000 - index[i] * 1000.0 / 8) - 1;
            int mid = (int) Math.rint(1000 - (2 * index[i] + 1) * 1000.0 / 16) - 1;
            double a = s.alphaBar(t);
            double aMid = s.alphaBar(mid);
            double aEnd = index[i] + 1 < 8 ? s.alphaBar((int) Math.rint(1000 - (index[i] + 1) * 1000.0 / 8) - 1) : 1.0;
            double sum = 0;
            for (int j = 0; j < N; j++) {
                double z = Math.sqrt(a) * x0[i * N + j] + Math.sqrt(1 - a) * noise[i * N + j];
                double zMid = teacherStep(z, a, aMid, slope * z + offset, prediction, clip);
                double zEnd = teacherStep(zMid, aMid, aEnd, slope * zMid + offset, prediction, clip);
                double r = Math.sqrt(1 - aEnd) / Math.sqrt(1 - a);
                double target = (zEnd - r * z) / (Math.sqrt(aEnd) - r * Math.sqrt(a));
                double estimate = Math.sqrt(a) * z - Math.sqrt(1 - a) * 0.2 * z;
                sum += Math.pow(target - estimate, 2);
            }
            double want = Math.max(a / (1 - a), 1) * sum / N;
            assertEquals(want, got[i], 1e-4 * Math.max(1, want), prediction + ": image " + i + " at step " + index[i]);
        }
    }

    /** One DDIM step (η = 0) of one value from ᾱ {@code a} to {@code next}, the network having answered {@code out}. */
    private static double teacherStep(double z, double a, double next, double out, Prediction prediction, boolean clip) {
        double x0 = prediction == Prediction.V ? Math.sqrt(a) * z - Math.sqrt(1 - a) * out : (z - Math.sqrt(1 - a) * out) / Math.sqrt(a);
        if (clip) {
            x0 = Math.max(-1, Math.min(1, x0));
        }
        double eps = prediction == Prediction.V ? (z - Math.sqrt(a) * x0) / Math.sqrt(1 - a) : out;
        return Math.sqrt(next) * x0 + Math.sqrt(1 - next) * eps;
    }

    private static float[] repeat(float[] v, int times) {
        float[] out = new float[v.length * times];
        for (int i = 0; i < times; i++) {
            System.arraycopy(v, 0, out, i * v.length, v.length);
        }
        return out;
    }
}

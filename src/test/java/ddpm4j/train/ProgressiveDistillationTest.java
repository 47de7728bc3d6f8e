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

    /** A linear teacher ε = 0.5 x + 0.1 without clipping, a student v = 0.2 x: Algorithm 2 written out in doubles. */
    @Test
    void theLossIsAlgorithmTwo() {
        SchedulerConfig process = new SchedulerConfig(1000, 1e-4, 0.02, ddpm4j.schedule.BetaSchedule.LINEAR, null,
                ddpm4j.schedule.VarianceType.FIXED_LARGE, false, 1.0, Prediction.EPSILON, "leading");
        NoiseSchedule s = ddpm4j.diffusion.GaussianDiffusion.of(process).schedule();
        ProgressiveDistillation pd = new ProgressiveDistillation(process, null, (x, t) -> x.mul(new Scalar(0.5)).add(new Scalar(0.1)), 8);
        int[] index = {0, 3, 7, 5, 1};
        int b = index.length;
        float[] x0 = TestArrays.gaussian(b * N, 1);
        float[] noise = TestArrays.gaussian(b * N, 2);
        float[] got = Tensors.toFloats(pd.loss((x, t) -> x.mul(new Scalar(0.2)), Tensors.fromFloats(x0, b, C, H, W), index,
                Tensors.fromFloats(noise, b, C, H, W)));
        int[] student = pd.studentGrid();
        int[] teacher = pd.teacherGrid();
        for (int i = 0; i < b; i++) {
            double a = s.alphaBar(student[index[i]]);
            double aMid = s.alphaBar(teacher[2 * index[i] + 1]);
            double aEnd = index[i] + 1 < student.length ? s.alphaBar(student[index[i] + 1]) : 1.0;
            double sum = 0;
            for (int j = 0; j < N; j++) {
                double z = Math.sqrt(a) * x0[i * N + j] + Math.sqrt(1 - a) * noise[i * N + j];
                double e1 = 0.5 * z + 0.1;
                double x1 = (z - Math.sqrt(1 - a) * e1) / Math.sqrt(a);
                double zMid = Math.sqrt(aMid) * x1 + Math.sqrt(1 - aMid) * e1;
                double e2 = 0.5 * zMid + 0.1;
                double x2 = (zMid - Math.sqrt(1 - aMid) * e2) / Math.sqrt(aMid);
                double zEnd = Math.sqrt(aEnd) * x2 + Math.sqrt(1 - aEnd) * e2;
                double r = Math.sqrt(1 - aEnd) / Math.sqrt(1 - a);
                double target = (zEnd - r * z) / (Math.sqrt(aEnd) - r * Math.sqrt(a));
                double estimate = Math.sqrt(a) * z - Math.sqrt(1 - a) * 0.2 * z;
                sum += Math.pow(target - estimate, 2);
            }
            double want = Math.max(a / (1 - a), 1) * sum / N;
            assertEquals(want, got[i], 1e-4 * Math.max(1, want), "image " + i + " at step " + index[i]);
        }
    }

    private static float[] repeat(float[] v, int times) {
        float[] out = new float[v.length * times];
        for (int i = 0; i < times; i++) {
            System.arraycopy(v, 0, out, i * v.length, v.length);
        }
        return out;
    }
}

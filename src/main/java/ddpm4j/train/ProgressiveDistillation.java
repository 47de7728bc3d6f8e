package ddpm4j.train;

import ddpm4j.diffusion.Clipping;
import ddpm4j.diffusion.Denoiser;
import ddpm4j.diffusion.GaussianDiffusion;
import ddpm4j.diffusion.Gaussians;
import ddpm4j.io.Model;
import ddpm4j.io.ModelDirectory;
import ddpm4j.nn.UNet2DModel;
import ddpm4j.sample.Samplers;
import ddpm4j.schedule.NoiseSchedule;
import ddpm4j.schedule.Prediction;
import ddpm4j.schedule.SchedulerClass;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.schedule.Spacing;
import ddpm4j.torch.Device;
import ddpm4j.torch.Precision;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * One stage of progressive distillation (Salimans &amp; Ho 2022, Algorithm 2): a student that does in one DDIM step (η = 0)
 * what its teacher does in two. The student samples with K steps on the trailing grid of the teacher's β's; the teacher with
 * 2K on the grid that holds the student's and the midpoints. For x_t = α_t x + σ_t ε at a student step t → t'' with the
 * teacher's midpoint t', the teacher's two steps give z_t''; the student is fitted to the x̂ whose one DDIM step gives it,
 * x̃ = (z_t'' − (σ_t''/σ_t) x_t) / (α_t'' − (σ_t''/σ_t) α_t), weighted max(α_t²/σ_t², 1) (truncated SNR). The student
 * predicts v (x̂ = α_t x_t − σ_t v), which stays well-posed at one step where ε does not.
 */
public final class ProgressiveDistillation implements AutoCloseable {
    /** Where a stage's run keeps its teacher (a model directory), so that it resumes without the original. */
    public static final String TEACHER = "teacher";

    /** The teacher's network, or null where it is only a function ({@link #teacherNet}). */
    private final UNet2DModel teacher;
    private final Denoiser teacherNet;
    private final GaussianDiffusion teacherProcess;
    private final Clipping teacherClipping;
    private final NoiseSchedule schedule;
    /** The student's K timesteps, descending; after the last, ᾱ = 1. */
    private final int[] studentGrid;
    /** The teacher's 2K timesteps, descending: the student's at even places. */
    private final int[] teacherGrid;

    /** A stage whose teacher is {@code net} on process {@code c}: the forward pass of {@code unet}, or (unet null) any function. */
    ProgressiveDistillation(SchedulerConfig c, UNet2DModel unet, Denoiser net, int passes) {
        if (!c.hasBetas()) {
            throw new IllegalArgumentException("progressive distillation needs a teacher with a process of β's; " + c.className() + " has none");
        }
        if (c.variance().learned()) {
            throw new IllegalArgumentException("progressive distillation of a learned-variance teacher (variance_type "
                    + c.variance().configName + ") is not supported");
        }
        int total = c.numTrainTimesteps();
        if (passes < 1 || 2 * passes > total) {
            throw new IllegalArgumentException("a student of " + passes + " steps needs a teacher of " + 2 * passes
                    + " steps, at most num_train_timesteps = " + total);
        }
        this.teacher = unet;
        this.teacherNet = net;
        this.teacherProcess = GaussianDiffusion.of(c);
        this.teacherClipping = Samplers.clipping(c);
        this.schedule = teacherProcess.schedule();
        this.studentGrid = descending(Spacing.TRAILING.kept(total, passes));
        this.teacherGrid = descending(Spacing.TRAILING.kept(total, 2 * passes));
        for (int i = 0; i < passes; i++) {
            if (teacherGrid[2 * i] != studentGrid[i]) {
                throw new IllegalArgumentException("the trailing grids of " + passes + " and " + 2 * passes + " steps of T = " + total
                        + " do not nest (step " + i + ": " + studentGrid[i] + " against " + teacherGrid[2 * i] + "); choose a power of two that divides T's grid");
            }
        }
    }

    /**
     * A stage whose teacher is {@code teacher} (its network and process) and whose student samples in {@code passes} steps;
     * {@link #close} closes the teacher's network, which the stage then owns.
     */
    public static ProgressiveDistillation of(Model teacher, int passes) {
        check(teacher, passes);
        return new ProgressiveDistillation(teacher.scheduler(), teacher.unet(), teacher.unet()::forward, passes);
    }

    /**
     * Refuses a teacher this cannot distil into a student of {@code passes} steps, naming why.
     *
     * @throws IllegalArgumentException for a process without β's, a learned variance, a class-conditional network, or steps
     *                                  whose grids do not nest
     */
    public static void check(Model teacher, int passes) {
        if (teacher.unet().config().classConditional()) {
            throw new IllegalArgumentException("progressive distillation of a class-conditional teacher is not supported yet");
        }
        new ProgressiveDistillation(teacher.scheduler(), null, (x, t) -> x, passes);
    }

    /**
     * The stage of a run directory: its teacher from {@code run}/{@value #TEACHER}, its student's steps from {@code student}.
     * The teacher runs in fp32 whatever the student trains in: the target divides by α'' − (σ''/σ) α, which is small at the
     * noisiest steps (0.0023 for the first of 32 steps on the paper's β's), and would magnify bfloat16's error a hundredfold.
     */
    static ProgressiveDistillation load(Path run, SchedulerConfig student, Device device) throws IOException {
        if (!java.nio.file.Files.isDirectory(run.resolve(TEACHER))) {
            throw new IllegalArgumentException("objective progressive-distillation is a stage of 'ddpm4j distill', which keeps the stage's"
                    + " teacher in " + run.resolve(TEACHER) + "; run ddpm4j distill --teacher DIR ...");
        }
        Model t = ModelDirectory.load(run.resolve(TEACHER));
        try {
            int passes = Samplers.defaultSteps(student);
            if (!studentProcess(t.scheduler(), passes).toJson().equals(student.toJson())) {
                throw new IllegalArgumentException("the run's process is not the student process of its teacher in " + run.resolve(TEACHER)
                        + " (DDIMScheduler, v_prediction, trailing steps, the teacher's β's, " + SchedulerConfig.INFERENCE_STEPS + ")");
            }
            t.to(device);
            t.unet().setPrecision(Precision.FP32);
            return of(t, passes);
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
    }

    /**
     * The student's process: DDIMScheduler on the teacher's β's, v-prediction, the trailing grid, x̂₀ clipped as the teacher's,
     * drawn in {@code passes} steps by default.
     */
    public static SchedulerConfig studentProcess(SchedulerConfig teacher, int passes) {
        Map<String, Object> settings = new TreeMap<>();
        boolean clip = teacher.has("clip_sample") && teacher.bool("clip_sample");
        settings.put("clip_sample", clip);
        settings.put("clip_sample_range", teacher.has("clip_sample_range") ? teacher.number("clip_sample_range") : 1.0);
        for (String key : new String[] {"thresholding", "dynamic_thresholding_ratio", "sample_max_value"}) { // x̂₀ processed as the teacher's
            if (teacher.settings().containsKey(key)) {
                settings.put(key, teacher.settings().get(key));
            }
        }
        settings.put("timestep_spacing", "trailing");
        settings.put("steps_offset", 0);
        settings.put("set_alpha_to_one", true);
        settings.put(SchedulerConfig.INFERENCE_STEPS, passes);
        return new SchedulerConfig(SchedulerClass.DDIM, teacher.numTrainTimesteps(), teacher.betaStart(), teacher.betaEnd(),
                teacher.betaSchedule(), teacher.trainedBetas(), teacher.variance(), Prediction.V, settings);
    }

    /** Sets {@code student}'s weights to the teacher's (the same architecture). */
    void initialize(UNet2DModel student) {
        if (teacher == null) {
            throw new IllegalStateException("this stage's teacher is a function, not a network");
        }
        Map<String, Tensor> from = teacher.stateDict();
        if (!from.keySet().equals(student.stateDict().keySet())) {
            throw new IllegalArgumentException("the student's architecture is not its teacher's");
        }
        try (NoGradGuard guard = new NoGradGuard()) {
            student.stateDict().forEach((name, p) -> p.copy_(from.get(name)));
        }
    }

    /** The student's steps: the number of timesteps it is trained at. */
    public int steps() {
        return studentGrid.length;
    }

    /**
     * The loss per image of {@code student} (a v-predicting network) on data {@code x0} noised with {@code noise} at the
     * student's steps {@code index} (0 the noisiest).
     */
    public Tensor loss(Denoiser student, Tensor x0, int[] index, Tensor noise) {
        int b = index.length;
        int[] t = new int[b];
        int[] mid = new int[b];
        double[] end = new double[b]; // ᾱ after the student's step
        for (int i = 0; i < b; i++) {
            t[i] = studentGrid[index[i]];
            mid[i] = teacherGrid[2 * index[i] + 1];
            end[i] = index[i] + 1 < studentGrid.length ? schedule.alphaBar(studentGrid[index[i] + 1]) : 1.0;
        }
        Tensor xt = teacherProcess.qSample(x0, t, noise);
        Tensor target;
        try (NoGradGuard guard = new NoGradGuard()) {
            Tensor zMid = teacherStep(xt, t, perImage(b, i -> schedule.alphaBar(mid[i])), x0);
            Tensor zEnd = teacherStep(zMid, mid, end, x0);
            // x̃ = (z'' − (σ''/σ) x_t) / (α'' − (σ''/σ) α)
            double[] ratio = new double[b];
            double[] denominator = new double[b];
            for (int i = 0; i < b; i++) {
                double a = schedule.alphaBar(t[i]);
                ratio[i] = Math.sqrt(1 - end[i]) / Math.sqrt(1 - a);
                denominator[i] = Math.sqrt(end[i]) - ratio[i] * Math.sqrt(a);
            }
            target = zEnd.sub(xt.mul(column(ratio, xt))).div(column(denominator, xt));
        }
        // the student's x̂ = α x_t − σ v (the teacher's β's are the student's)
        Tensor estimate = teacherProcess.predictStartFromV(xt, t, student.apply(xt, teacherProcess.timesteps(t, xt)));
        Tensor weight = column(perImage(b, i -> Math.max(schedule.alphaBar(t[i]) / (1 - schedule.alphaBar(t[i])), 1.0)), xt).reshape(b);
        return Gaussians.meanFlat(target.sub(estimate).pow(new Scalar(2.0))).mul(weight);
    }

    /** The teacher's DDIM step (η = 0, x̂₀ processed as its scheduler says) from {@code x} at {@code t} to ᾱ = {@code next}. */
    private Tensor teacherStep(Tensor x, int[] t, double[] next, Tensor like) {
        Tensor out = teacherNet.apply(x, teacherProcess.timesteps(t, like));
        GaussianDiffusion.Output p = teacherProcess.interpret(out, x, t, teacherClipping);
        // per image: √ᾱ_next x̂₀ + √(1 − ᾱ_next) ε̂, DDIM's step with η = 0 (DdimSampler.step, there with one ᾱ per batch)
        return p.start().mul(column(perImage(t.length, i -> Math.sqrt(next[i])), x))
                .add(p.noise().mul(column(perImage(t.length, i -> Math.sqrt(1 - next[i])), x)));
    }

    private static double[] perImage(int b, java.util.function.IntToDoubleFunction f) {
        double[] out = new double[b];
        for (int i = 0; i < b; i++) {
            out[i] = f.applyAsDouble(i);
        }
        return out;
    }

    /** {@code values} as a float32 [B,1,1,1] tensor on {@code like}'s device. */
    private static Tensor column(double[] values, Tensor like) {
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) values[i];
        }
        return Device.of(like).put(ddpm4j.torch.Tensors.fromFloats(f, f.length, 1, 1, 1));
    }

    private static int[] descending(int[] ascending) {
        int[] out = new int[ascending.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = ascending[ascending.length - 1 - i];
        }
        return out;
    }

    /** The student's timesteps, descending (for tests and reports). */
    int[] studentGrid() {
        return studentGrid.clone();
    }

    int[] teacherGrid() {
        return teacherGrid.clone();
    }

    @Override
    public void close() {
        if (teacher != null) {
            teacher.close();
        }
    }
}

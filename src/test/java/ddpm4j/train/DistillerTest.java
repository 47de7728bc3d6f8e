package ddpm4j.train;

import ddpm4j.TestArrays;
import ddpm4j.data.ImageSet;
import ddpm4j.dist.Group;
import ddpm4j.io.Model;
import ddpm4j.io.ModelDirectory;
import ddpm4j.io.Weights;
import ddpm4j.nn.UNet2DModel;
import ddpm4j.sample.Samplers;
import ddpm4j.schedule.Prediction;
import ddpm4j.schedule.SchedulerClass;
import ddpm4j.torch.Device;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Progressive distillation's stages through the trainer: models per stage, a student that learns, resumption bit for bit. */
class DistillerTest {
    @TempDir
    Path dir;

    private static Distiller.Plan plan(long stageSteps) {
        TrainSettings s = TrainerTest.settings(stageSteps).toBuilder().lr(1e-3).lrDecay(stageSteps).checkpointEvery(4).sampleSteps(2).build();
        return new Distiller.Plan(4, 1, stageSteps, s);
    }

    /**
     * A teacher: the trainer's tiny network trained a little on the tiny images, predicting v as its students do (so that a
     * stage's progress is the student learning two steps in one, not its output changing meaning).
     */
    private Model teacher() throws Exception {
        Path run = dir.resolve("teacher");
        var process = TrainerTest.PROCESS.with(ddpm4j.schedule.BetaSchedule.LINEAR, 100, ddpm4j.schedule.VarianceType.FIXED_LARGE, Prediction.V);
        try (Trainer t = Trainer.start(run, TrainerTest.ARCH, process, TrainerTest.settings(30), TrainerTest.images())) {
            t.run(new Trainer.Listener() { });
        }
        return ModelDirectory.load(run);
    }

    @Test
    void eachStageHalvesThePassesAndTheStudentLearnsItsTeachersTwoSteps() throws Exception {
        Path out = dir.resolve("student");
        ImageSet data = TrainerTest.images();
        try (Model teacher = teacher()) {
            Distiller.run(teacher, out, data, plan(24), new Distiller.Listener() { }, Device.CPU, Group.single());
            for (int k : new int[] {2, 1}) {
                assertTrue(Files.isDirectory(Distiller.stageDir(out, k).resolve(ProgressiveDistillation.TEACHER)), "stage " + k + " keeps its teacher");
                try (Model stage = ModelDirectory.load(Distiller.stageDir(out, k))) {
                    assertEquals(k, Samplers.forModel(stage.scheduler()).passes(), "stage " + k + " samples in " + k + " passes");
                }
            }
            try (Model student = ModelDirectory.load(out)) {
                assertEquals(SchedulerClass.DDIM, student.scheduler().scheduler());
                assertEquals(Prediction.V, student.scheduler().prediction());
                assertEquals(1, Samplers.forModel(student.scheduler()).passes());
            }
            // the first stage's student against the same weights before it trained (its teacher's): the loss of stage 1 on a fixed batch
            try (Model stageTeacher = ModelDirectory.load(Distiller.stageDir(out, 2).resolve(ProgressiveDistillation.TEACHER));
                 Model trained = ModelDirectory.load(Distiller.stageDir(out, 2))) {
                ProgressiveDistillation pd = ProgressiveDistillation.of(stageTeacher, 2);
                Tensor x0 = Tensors.fromFloats(data.modelSpace(0, 16), 16, 1, 8, 8);
                Tensor noise = Tensors.fromFloats(TestArrays.gaussian(16 * 64, 3), 16, 1, 8, 8);
                int[] index = new int[16];
                for (int i = 0; i < 16; i++) {
                    index[i] = i % 2;
                }
                double before = mean(pd.loss(stageTeacher.unet()::infer, x0, index, noise));
                double after = mean(pd.loss(trained.unet()::infer, x0, index, noise));
                assertTrue(after < 0.8 * before, "stage loss on a fixed batch " + before + " -> " + after);
            }
        }
    }

    @Test
    void aStoppedDistillationGoesOnBitForBit() throws Exception {
        ImageSet data = TrainerTest.images();
        try (Model teacher = teacher()) {
            Path whole = dir.resolve("whole");
            Distiller.run(teacher, whole, data, plan(10), new Distiller.Listener() { }, Device.CPU, Group.single());
            Path stopped = dir.resolve("stopped");
            Distiller.Listener crash = new Distiller.Listener() { // dies in the second stage after its checkpoint at step 4
                int stage;

                @Override
                public void stage(int index, int count, int passes, long from, long steps) {
                    stage = index;
                }

                @Override
                public Trainer.Listener training() {
                    return new Trainer.Listener() {
                        @Override
                        public void stepped(Trainer.Step s) {
                            if (stage == 1 && s.step() == 6) {
                                throw new IllegalStateException("killed");
                            }
                        }
                    };
                }
            };
            assertThrows(IllegalStateException.class, () -> Distiller.run(teacher, stopped, data, plan(10), crash, Device.CPU, Group.single()));
            assertEquals(4, Checkpoint.load(Distiller.stageDir(stopped, 1)).step());
            Distiller.run(teacher, stopped, data, plan(10), new Distiller.Listener() { }, Device.CPU, Group.single());
            try (Model a = ModelDirectory.load(whole); Model b = ModelDirectory.load(stopped)) {
                Map<String, ddpm4j.io.FloatArray> wa = Weights.of(a.unet());
                Map<String, ddpm4j.io.FloatArray> wb = Weights.of(b.unet());
                assertEquals(wa.keySet(), wb.keySet());
                for (String k : wa.keySet()) {
                    assertArrayEquals(wa.get(k).data(), wb.get(k).data(), k);
                }
            }
            IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
                    () -> Distiller.run(teacher, stopped, data, new Distiller.Plan(8, 1, 10, plan(10).settings()), new Distiller.Listener() { },
                            Device.CPU, Group.single()));
            assertTrue(other.getMessage().contains("holds another distillation"), other.getMessage());
        }
    }

    @Test
    void plansAndTeachersThatCannotBeDistilledAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Distiller.Plan(6, 4, 10, plan(10).settings()));
        assertThrows(IllegalArgumentException.class, () -> new Distiller.Plan(4, 4, 10, plan(10).settings()));
        assertThrows(IllegalArgumentException.class, () -> new Distiller.Plan(12, 3, 0, plan(10).settings()));
        assertEquals(java.util.List.of(32, 16, 8, 4), new Distiller.Plan(64, 4, 10, plan(10).settings()).stages());
        try (UNet2DModel unet = new UNet2DModel(TrainerTest.ARCH.withClassEmbeds(3), 0)) {
            Model conditional = new Model(unet, TrainerTest.PROCESS);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ProgressiveDistillation.check(conditional, 2));
            assertTrue(e.getMessage().contains("class-conditional"), e.getMessage());
        }
    }

    private static double mean(Tensor t) {
        float[] v = Tensors.toFloats(t);
        double s = 0;
        for (float f : v) {
            s += f;
        }
        return s / v.length;
    }
}

package ddpm4j.cli;

import ddpm4j.io.Model;
import ddpm4j.io.ModelDirectory;
import ddpm4j.io.Npy;
import ddpm4j.nn.UNetConfig;
import ddpm4j.sample.Samplers;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.train.TrainSettings;
import ddpm4j.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ddpm4j distill} as a user types it: a tiny teacher distilled to one pass, sampled, run again, and refusals. */
class DistillCliTest {
    @TempDir
    Path dir;

    @Test
    void aTeacherDistilledToOnePassSamplesByDefaultInOnePass() throws Exception {
        Path data = dir.resolve("squares.npy");
        Npy.writeBytes(data, new long[] {16, 8, 8, 1}, squares());
        Path teacher = dir.resolve("teacher");
        UNetConfig arch = UNetConfig.ddpm(8, 1, 32, new int[] {1, 2}, 1, List.of(4), 0.0);
        SchedulerConfig process = SchedulerConfig.paper().with(ddpm4j.schedule.BetaSchedule.LINEAR, 100,
                ddpm4j.schedule.VarianceType.FIXED_LARGE, ddpm4j.schedule.Prediction.EPSILON);
        TrainSettings settings = TrainSettings.builder().lr(2e-3).warmup(0).batchSize(8).steps(10).checkpointEvery(10).sampleEvery(0)
                .sampleCount(4).sampleSteps(5).precision(ddpm4j.torch.Precision.FP32).build();
        try (Trainer t = Trainer.start(teacher, arch, process, settings, ddpm4j.data.DataSpecs.open(data.toString(), null, 8))) {
            t.run(new Trainer.Listener() { });
        }
        Path out = dir.resolve("fast");
        String[] command = {"distill", "--teacher", teacher.toString(), "--data", data.toString(), "--out", out.toString(),
                "--passes", "1", "--teacher-steps", "2", "--stage-steps", "3", "--checkpoint-every", "2", "--samples", "4", "--batch-size", "8"};
        Cli first = Cli.run(command);
        assertEquals(0, first.exit, first.err);
        assertTrue(first.err.contains("stage 1 of 1: a student of 1 passes"), first.err);
        try (Model m = ModelDirectory.load(out)) {
            assertEquals(1, Samplers.forModel(m.scheduler()).passes());
        }
        assertTrue(Files.readString(out.resolve("scheduler_config.json")).contains("\"_ddpm4j_inference_steps\" : 1"));
        Cli sample = Cli.run("sample", "--model", out.toString(), "--n", "2", "--seed", "1", "--out", dir.resolve("s.png").toString());
        assertEquals(0, sample.exit, sample.err);
        assertTrue(Files.size(dir.resolve("s.png")) > 0);

        Cli again = Cli.run(command); // finished: nothing trains again
        assertEquals(0, again.exit, again.err);
        assertFalse(again.err.contains("stage 1 of 1"), again.err);

        String[][] refused = { // the plan above with one thing changed
                {"--stage-steps", "3", "--passes", "2", "--teacher-steps", "3"},
                {"--stage-steps", "3", "--passes", "1", "--teacher-steps", "2", "--method", "consistency"},
                {"--stage-steps", "3", "--passes", "1", "--teacher-steps", "4"}, // another plan in the same --out
                {"--stage-steps", "3", "--passes", "1", "--teacher-steps", "2", "--lr", "1e-3"}, // other settings in the same --out
                {"--stage-steps", "0", "--passes", "1", "--teacher-steps", "2"},
                {"--stage-steps", "3", "--passes", "1", "--teacher-steps", "2", "--keep-best"},
        };
        String[] expected = {"the teacher's steps must be", "consistency distillation is not implemented", "teacher steps differs", "settings differs",
                "--stage-steps must be at least 1", "--keep-best"};
        for (int i = 0; i < refused.length; i++) {
            String[] base = {"distill", "--teacher", teacher.toString(), "--data", data.toString(), "--out", out.toString(),
                    "--batch-size", "8", "--checkpoint-every", "2", "--samples", "4"};
            String[] args = java.util.Arrays.copyOf(base, base.length + refused[i].length);
            System.arraycopy(refused[i], 0, args, base.length, refused[i].length);
            Cli c = Cli.run(args);
            String what = String.join(" ", refused[i]) + ": " + c.err;
            assertEquals(2, c.exit, what);
            assertTrue(c.err.contains(expected[i]), what);
            assertEquals(1, c.err.strip().lines().filter(l -> !l.startsWith("ddpm4j: precision")).count(), what);
        }
        Cli train = Cli.run("train", "--data", data.toString(), "--preset", "quick28", "--objective", "progressive-distillation",
                "--out", dir.resolve("t").toString());
        assertEquals(2, train.exit, train.err);
        assertTrue(train.err.contains("run ddpm4j distill"), train.err);
    }

    /** 16 images of 8×8 random pixels. */
    private static byte[] squares() {
        byte[] px = new byte[16 * 64];
        new Random(1).nextBytes(px);
        return px;
    }
}

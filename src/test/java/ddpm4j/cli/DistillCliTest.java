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

        String[][] refused = {
                {"--passes", "2", "--teacher-steps", "3"},
                {"--method", "consistency"},
                {"--passes", "1", "--teacher-steps", "4"}, // another plan in the same --out
        };
        for (String[] r : refused) {
            String[] args = java.util.Arrays.copyOf(new String[] {"distill", "--teacher", teacher.toString(), "--data", data.toString(),
                    "--out", out.toString(), "--stage-steps", "3"}, 8 + r.length);
            System.arraycopy(r, 0, args, 8, r.length);
            Cli c = Cli.run(args);
            assertEquals(2, c.exit, String.join(" ", r) + ": " + c.err);
            assertEquals(1, c.err.strip().lines().filter(l -> !l.startsWith("ddpm4j: precision")).count(), String.join(" ", r) + ": " + c.err);
        }
    }

    /** 16 images of 8×8 random pixels. */
    private static byte[] squares() {
        byte[] px = new byte[16 * 64];
        new Random(1).nextBytes(px);
        return px;
    }
}

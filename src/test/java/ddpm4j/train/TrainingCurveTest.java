package ddpm4j.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainingCurveTest {
    @TempDir
    Path dir;

    @Test
    void scoresTakeTheTrainingSecondsOfTheirStepInterpolatedBetweenLoggedSteps() throws Exception {
        Files.writeString(dir.resolve("metrics.jsonl"), String.join("\n",
                "{\"step\":50,\"loss\":1.0,\"img_per_s\":10,\"train_s\":100.0}",
                "{\"step\":100,\"loss\":0.9,\"img_per_s\":10,\"train_s\":220.0}",
                "{\"step\":100,\"judge_fid\":80.5,\"eval_images\":500}",
                "{\"step\":150,\"loss\":0.8,\"img_per_s\":10,\"train_s\":300.0}",
                "{\"step\":175,\"judge_fid\":40.25,\"eval_images\":500}",
                "{\"step\":200,\"loss\":0.7,\"img_per_s\":10,\"train_s\":400.0}",
                "{\"step\":20,\"judge_fid\":300.0}", // before the first logged step: at its pace, 20 × 100 / 50
                "{\"step\":200,\"judge_fid\":45.0,\"eval_images\":500}",
                "{\"step\":210,\"loss\":0.6", // cut short by a crash
                ""));
        TrainingCurve c = TrainingCurve.read(dir, "judge_fid");
        assertArrayEquals(new long[] {100, 175, 20, 200}, c.steps());
        assertArrayEquals(new double[] {80.5, 40.25, 300.0, 45.0}, c.scores());
        assertArrayEquals(new double[] {220.0, 350.0, 40.0, 400.0}, c.trainSeconds(), 1e-12);
        assertTrue(c.timed());
        assertEquals(1, c.best());
    }

    @Test
    void aRunWithoutTrainingSecondsOrScoresIsToldApart() throws Exception {
        Files.writeString(dir.resolve("metrics.jsonl"), "{\"step\":50,\"loss\":1.0,\"img_per_s\":10}\n{\"step\":50,\"judge_fid\":9.0}\n");
        TrainingCurve c = TrainingCurve.read(dir, "judge_fid");
        assertFalse(c.timed());
        assertTrue(Double.isNaN(c.trainSeconds()[0]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainingCurve.read(dir, "inception_fid"));
        assertTrue(e.getMessage().contains("--eval-every"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TrainingCurve.read(dir.resolve("none"), "judge_fid"));
    }
}

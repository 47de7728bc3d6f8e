package ddpm4j.cli;

import ddpm4j.train.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code train --recipe fast} through the command line: a v-prediction run with the recipe's optimisation, sampled as typed. */
class RecipeCliTest {
    @TempDir
    Path dir;

    @Test
    void theFastRecipeTrainsAVPredictionModelThatSamplesWithoutOptions() throws Exception {
        Path data = EvalQualityCommandsTest.stripes(dir, "stripes", 16, 4);
        Path run = dir.resolve("run");
        Cli t = Cli.run("train", "--data", data.toString(), "--out", run.toString(), "--recipe", "fast", "--preset", "quick28",
                "--steps", "3", "--batch-size", "4", "--samples", "4", "--sample-steps", "2", "--checkpoint-every", "3");
        assertEquals(0, t.exit, t.toString());
        String process = Files.readString(run.resolve("scheduler_config.json"));
        assertTrue(process.contains("\"prediction_type\" : \"v_prediction\"") && process.contains("DDPMScheduler")
                && process.contains("\"use_karras_sigmas\" : true")
                && process.contains("\"beta_schedule\" : \"squaredcos_cap_v2\""), process);
        Path linear = dir.resolve("linear");
        Cli own = Cli.run("train", "--data", data.toString(), "--out", linear.toString(), "--recipe", "fast", "--schedule", "linear",
                "--preset", "quick28", "--steps", "1", "--batch-size", "4", "--samples", "4", "--sample-steps", "2");
        assertEquals(0, own.exit, own.toString());
        assertTrue(Files.readString(linear.resolve("scheduler_config.json")).contains("\"beta_schedule\" : \"linear\""), "--schedule overrides");
        var settings = Checkpoint.load(run).settings();
        assertEquals("simple", settings.objective());
        assertEquals(5.0, settings.minSnrGamma());
        assertEquals(1e-3, settings.lr());
        assertTrue(settings.emaWarmup());
        Path png = dir.resolve("s.png");
        Cli s = Cli.run("sample", "--model", run.toString(), "--n", "2", "--steps", "2", "--out", png.toString());
        assertEquals(0, s.exit, s.toString());
        assertTrue(Files.size(png) > 0);
        Path never = dir.resolve("never");
        Cli bad = Cli.run("train", "--data", data.toString(), "--out", never.toString(), "--recipe", "fastest");
        assertEquals(2, bad.exit, bad.toString());
        assertTrue(bad.err.contains("--recipe: unknown recipe 'fastest' (known: paper, fast)"), bad.err);
        assertEquals(1, bad.err.strip().lines().count(), bad.err);
        assertFalse(Files.exists(never.resolve("training_state")));
    }
}

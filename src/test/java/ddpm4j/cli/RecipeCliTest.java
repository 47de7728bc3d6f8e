package ddpm4j.cli;

import ddpm4j.train.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code train --recipe fast} through the command line: an EDM run with the recipe's optimisation, sampled as typed. */
class RecipeCliTest {
    @TempDir
    Path dir;

    @Test
    void theFastRecipeTrainsAnEdmModelThatSamplesWithoutOptions() throws Exception {
        Path data = EvalQualityCommandsTest.stripes(dir, "stripes", 16, 4);
        Path run = dir.resolve("run");
        Cli t = Cli.run("train", "--data", data.toString(), "--out", run.toString(), "--recipe", "fast", "--preset", "quick28",
                "--steps", "3", "--batch-size", "4", "--samples", "4", "--sample-steps", "2", "--checkpoint-every", "3");
        assertEquals(0, t.exit, t.toString());
        assertTrue(Files.readString(run.resolve("scheduler_config.json")).contains("\"sigma_data\""), "an EDM process");
        var settings = Checkpoint.load(run).settings();
        assertEquals("edm", settings.objective());
        assertEquals(1e-3, settings.lr());
        assertTrue(settings.emaWarmup());
        Path png = dir.resolve("s.png");
        Cli s = Cli.run("sample", "--model", run.toString(), "--n", "2", "--steps", "2", "--out", png.toString());
        assertEquals(0, s.exit, s.toString());
        assertTrue(Files.size(png) > 0);
        Path never = dir.resolve("never");
        Cli beta = Cli.run("train", "--data", data.toString(), "--out", never.toString(), "--recipe", "fast", "--schedule", "cosine");
        assertEquals(2, beta.exit, beta.toString());
        assertTrue(beta.err.contains("--schedule describes a process of β's; EDM's objective"), beta.err);
        assertEquals(1, beta.err.strip().lines().count(), beta.err);
        assertFalse(Files.exists(never.resolve("training_state")));
    }
}

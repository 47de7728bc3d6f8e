package ddpm4j.cli;

import ddpm4j.data.ImageSet;
import ddpm4j.train.QuickstartRecipe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QuickstartCommandTest {
    @Test
    void embeddedDataAreFashionMnistImages() throws Exception {
        ImageSet images = QuickstartRecipe.dataset();
        assertEquals(8000, images.count());
        assertEquals(28, images.height());
        assertEquals(1, images.channels());
    }

    /** The quickstart trains the fast recipe's process, so that sample's default for its directory is the recipe's sampler. */
    @Test
    void theQuickstartTrainsTheFastRecipesProcess() {
        ddpm4j.schedule.SchedulerConfig p = QuickstartRecipe.process();
        assertEquals(ddpm4j.schedule.Prediction.V, p.prediction());
        assertEquals(ddpm4j.schedule.BetaSchedule.SQUAREDCOS_CAP_V2, p.betaSchedule());
        assertEquals(46_080, QuickstartRecipe.STEPS * QuickstartRecipe.settings(0, 10).batchSize(), "the images of the measured budget");
        assertEquals(Boolean.TRUE, p.settings().get("clip_sample"));
        assertEquals(ddpm4j.train.Recipe.FAST.settings.minSnrGamma(), QuickstartRecipe.settings(0, 10).minSnrGamma());
        assertEquals(ddpm4j.train.Recipe.FAST.settings.lr(), QuickstartRecipe.settings(0, 10).lr());
        assertEquals(ddpm4j.sample.Samplers.DEFAULT, ddpm4j.sample.Samplers.defaultClass(p));
        assertEquals(Boolean.TRUE, p.settings().get("use_karras_sigmas"), "the fast recipe's models are drawn on Karras' σ's");
    }

    /** Three training steps, then the pictures; a second run samples the same model again. */
    @Test
    void trainsForTheGivenStepsThenDrawsAndAnimates(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("qs");
        Cli r = Cli.run("quickstart", "--out", out.toString(), "--steps", "3");
        assertEquals(0, r.exit, r.toString());
        assertTrue(r.out.contains("samples.png") && r.out.contains("denoising.gif"), r.out);
        assertTrue(r.err.contains("trained 3 steps (" + 3 * QuickstartRecipe.BATCH + " images)" + System.lineSeparator()), r.err);
        BufferedImage grid = ImageIO.read(out.resolve("samples.png").toFile());
        assertEquals(8 * (56 + 2) + 2, grid.getWidth(), "8×8 grid of 28×28 images at 2×");
        assertTrue(Files.size(out.resolve("denoising.gif")) > 1000);
        assertTrue(Files.isRegularFile(out.resolve("config.json")));
        assertTrue(Files.isRegularFile(out.resolve("training_state/latest")));
        // the pictures are what 'sample' draws for the directory as typed: image k at cell (k / 8, k % 8), each pixel 2×2
        Path drawn = dir.resolve("drawn.npy");
        Cli sample = Cli.run("sample", "--model", out.toString(), "--n", "64", "--out", drawn.toString());
        assertEquals(0, sample.exit, sample.toString());
        float[] pixels = ddpm4j.io.Npy.read(drawn).toFloats(); // uint8 values
        for (int k = 0; k < 64; k++) {
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    int gx = 2 + (k % 8) * 58 + 2 * x;
                    int gy = 2 + (k / 8) * 58 + 2 * y;
                    assertEquals((int) pixels[(k * 28 + y) * 28 + x], grid.getRaster().getSample(gx, gy, 0), "image " + k + " at " + x + "," + y);
                }
            }
        }
        long modified = Files.getLastModifiedTime(out.resolve("diffusion_pytorch_model.safetensors")).toMillis();
        Cli again = Cli.run("quickstart", "--out", out.toString());
        assertEquals(0, again.exit, again.toString());
        assertTrue(again.err.contains("already holds a trained model"), again.err);
        assertEquals(modified, Files.getLastModifiedTime(out.resolve("diffusion_pytorch_model.safetensors")).toMillis(), "not retrained");
    }

    /** --minutes caps a slow machine's run: the steps done are trained, checkpointed and sampled. */
    @Test
    void theTimeCapEndsALongRun(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("capped");
        Cli r = Cli.run("quickstart", "--out", out.toString(), "--steps", "1000000", "--minutes", "0.02");
        assertEquals(0, r.exit, r.toString());
        assertTrue(r.err.contains("stopped by --minutes"), r.err);
        assertTrue(Files.isRegularFile(out.resolve("samples.png")));
    }
}

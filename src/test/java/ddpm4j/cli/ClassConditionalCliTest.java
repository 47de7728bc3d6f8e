package ddpm4j.cli;

import ddpm4j.io.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Training a class-conditional model on labelled images and sampling it with --class and --guidance. */
class ClassConditionalCliTest {
    @TempDir
    Path dir;

    @Test
    void trainConditionallyThenSampleChosenClassesWithGuidance() throws Exception {
        Path data = EvalQualityCommandsTest.stripes(dir, "labelled", 16, 4);
        Path run = dir.resolve("run");
        Cli t = Cli.run("train", "--data", data.toString(), "--out", run.toString(), "--preset", "quick28", "--steps", "3",
                "--batch-size", "4", "--class-conditional", "--samples", "4", "--sample-steps", "2", "--checkpoint-every", "3");
        assertEquals(0, t.exit, t.toString());
        assertTrue(Files.readString(run.resolve("config.json")).contains("\"num_class_embeds\" : 3"), "2 classes and the no-class label");
        Path png = dir.resolve("s.png");
        Cli s = Cli.run("sample", "--model", run.toString(), "--sampler", "ddim", "--steps", "2", "--class", "1", "--guidance", "2",
                "--n", "2", "--out", png.toString());
        assertEquals(0, s.exit, s.toString());
        assertTrue(Files.size(png) > 0);
        Path both = dir.resolve("both.npy");
        Path second = dir.resolve("second.npy");
        String[] common = {"sample", "--model", run.toString(), "--sampler", "ddim", "--steps", "2", "--class", "0,1", "--batch-size", "1", "--raw"};
        assertEquals(0, Cli.run(CliTest.concat(common, "--n", "2", "--out", both.toString())).exit);
        assertEquals(0, Cli.run(CliTest.concat(common, "--n", "1", "--first-image", "1", "--out", second.toString())).exit);
        float[] b = Npy.read(both).toFloats();
        assertArrayEquals(Arrays.copyOfRange(b, b.length / 2, b.length), Npy.read(second).toFloats(), "image 1 keeps its class 1 in a part");
        Path never = dir.resolve("never.png");
        Cli bad = Cli.run("sample", "--model", run.toString(), "--sampler", "ddim", "--steps", "2", "--class", "2", "--out", never.toString());
        assertEquals(2, bad.exit, bad.toString());
        assertTrue(bad.err.contains("--class values must be in [0, 2)"), bad.err);
        Cli plain = Cli.run("sample", "--model", CliTest.MODEL, "--class", "1", "--out", never.toString());
        assertEquals(2, plain.exit, plain.toString());
        assertFalse(Files.exists(never));
        Cli unlabelled = Cli.run("train", "--data", dir.resolve("labelled.npy").toString(), "--out", dir.resolve("r2").toString(),
                "--preset", "quick28", "--steps", "1", "--class-conditional");
        assertEquals(2, unlabelled.exit, unlabelled.toString());
        assertTrue(unlabelled.err.contains("no class labels"), unlabelled.err);
    }
}

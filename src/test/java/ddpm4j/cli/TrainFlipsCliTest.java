package ddpm4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ddpm4j.data.DataSpecsTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which data get random flips by default, and what {@code --resume} may change. */
class TrainFlipsCliTest {
    @TempDir
    Path dir;

    @Test
    void fashionMnistIsNotFlippedByDefaultAndResumeMayChangeFlipsStepsAndDecay() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data/fashion-mnist"));
        byte[] pixels = new byte[4 * 8 * 8];
        new SplittableRandom(3).nextBytes(pixels);
        Files.write(data.resolve("train-images-idx3-ubyte"), DataSpecsTest.idx(0x803, 4, 8, 8, pixels));
        Path run = dir.resolve("run");
        Cli first = train("--data", "fashion-mnist:train", "--data-dir", dir.resolve("data").toString(), "--out", run.toString(),
                "--steps", "2");
        assertEquals(0, first.exit, first.toString());
        assertTrue(first.err.contains("no flips"), first.err);
        JsonNode saved = settings(run);
        assertFalse(saved.get("hflip").asBoolean());
        assertEquals(0, saved.get("lrDecay").asLong());

        Cli resumed = train("--data", "fashion-mnist:train", "--data-dir", dir.resolve("data").toString(), "--out", run.toString(),
                "--resume", "--steps", "4", "--lr-decay", "2", "--flip");
        assertEquals(0, resumed.exit, resumed.toString());
        JsonNode changed = settings(run);
        assertTrue(changed.get("hflip").asBoolean());
        assertEquals(2, changed.get("lrDecay").asLong());
        assertEquals(4, changed.get("steps").asLong());

        Cli npy = train("--data", EvalQualityCommandsTest.stripes(dir, "stripes", 4, 1).toString(), "--out", dir.resolve("run2").toString(),
                "--steps", "1");
        assertEquals(0, npy.exit, npy.toString());
        assertTrue(npy.err.contains("random flips"), npy.err);
        assertTrue(settings(dir.resolve("run2")).get("hflip").asBoolean());

        Cli negative = train("--data", "fashion-mnist:train", "--data-dir", dir.resolve("data").toString(), "--out", run.toString(),
                "--resume", "--lr-decay", "-1");
        assertEquals(2, negative.exit, negative.toString());
        assertTrue(negative.err.contains("decay"), negative.err);
    }

    private static Cli train(String... args) {
        String[] common = {"--preset", "quick28", "--batch-size", "2", "--samples", "1", "--sample-steps", "1", "--checkpoint-every", "2"};
        String[] all = new String[1 + args.length + common.length];
        all[0] = "train";
        System.arraycopy(args, 0, all, 1, args.length);
        System.arraycopy(common, 0, all, 1 + args.length, common.length);
        return Cli.run(all);
    }

    private static JsonNode settings(Path run) throws Exception {
        Path latest = run.resolve("training_state").resolve(Files.readString(run.resolve("training_state/latest")).trim());
        return new ObjectMapper().readTree(latest.resolve("settings.json").toFile());
    }
}

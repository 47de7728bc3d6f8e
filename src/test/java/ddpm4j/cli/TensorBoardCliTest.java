package ddpm4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import ddpm4j.io.tensorboard.IndependentReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code train} writes TensorBoard event files in OUT/logs/: every logged step once, across a resume, and none when turned off. */
class TensorBoardCliTest {
    @TempDir
    Path dir;

    private static final List<String> TAGS = List.of("loss", "lr", "grad_norm", "img_per_s", "rss_mb");

    @Test
    void everyLoggedStepAndGridIsInTheEventsOnceAcrossAResume() throws Exception {
        Path data = EvalQualityCommandsTest.stripes(dir, "stripes", 4, 1);
        Path run = dir.resolve("run");
        Cli first = train(data, run, "--steps", "4");
        assertEquals(0, first.exit, first.toString());
        assertEquals("v 1 2 i2 3 4 i4", summary(run));

        Cli resumed = train(data, run, "--resume", "--steps", "6");
        assertEquals(0, resumed.exit, resumed.toString());
        assertEquals("v 1 2 i2 3 4 i4 5 6 i6", summary(run), "the resumed run adds steps 5 and 6, repeats none");

        for (JsonNode e : IndependentReader.events(run.resolve("logs"))) {
            if (e.has("scalars") && e.get("scalars").size() > 0) {
                for (String tag : TAGS) {
                    assertTrue(e.get("scalars").has(tag), tag + " missing at step " + e.get("step") + ": " + e);
                }
                assertTrue(e.get("scalars").get("loss").asDouble() > 0, e.toString());
            }
            for (JsonNode image : e.has("images") ? e.get("images") : List.<JsonNode>of()) {
                assertEquals("samples", image.get("tag").asText());
                assertTrue(image.get("png").asBoolean());
                assertTrue(image.get("height").asInt() >= 8 && image.get("width").asInt() >= 8, image.toString());
            }
        }
    }

    @Test
    void noTensorboardWritesNoLogs() throws Exception {
        Path run = dir.resolve("quiet");
        Cli cli = train(EvalQualityCommandsTest.stripes(dir, "stripes", 4, 1), run, "--steps", "2", "--no-tensorboard");
        assertEquals(0, cli.exit, cli.toString());
        assertTrue(Files.exists(run.resolve("metrics.jsonl")));
        assertFalse(Files.exists(run.resolve("logs")), "no event files when turned off");
    }

    /** The events as "v" (the file version), a step's scalars as its number, a step's grid as "i" and the number. */
    private static String summary(Path run) throws Exception {
        List<String> parts = new ArrayList<>();
        for (JsonNode e : IndependentReader.events(run.resolve("logs"))) {
            if (e.has("file_version")) {
                parts.add("v");
                continue;
            }
            if (e.get("scalars").size() > 0) {
                parts.add(e.get("step").asText());
            }
            if (e.get("images").size() > 0) {
                parts.add("i" + e.get("step").asText());
            }
        }
        return String.join(" ", parts);
    }

    private static Cli train(Path data, Path out, String... args) {
        List<String> all = new ArrayList<>(List.of("train", "--data", data.toString(), "--out", out.toString(), "--preset", "quick28",
                "--batch-size", "2", "--samples", "1", "--sample-steps", "1", "--sample-every", "2", "--checkpoint-every", "2",
                "--log-every", "1"));
        all.addAll(List.of(args));
        return Cli.run(all.toArray(String[]::new));
    }
}

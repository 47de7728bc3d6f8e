package ddpm4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ddpm4j.data.DataSpecs;
import ddpm4j.data.ImageSet;
import ddpm4j.io.Npy;
import ddpm4j.torch.Device;
import ddpm4j.torch.PrecisionRule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 34: a seeded command at the default precision gives the same numbers whatever its batch size, with the
 * precision said once and recorded. Commands run exactly as typed (no --precision), so these test the default.
 */
class ReproducibleDefaultsTest {
    private static final String MODEL = "fashion-mnist";
    private static final int[] BATCHES = {1, 3, 8};
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static float[] floats(Path npy) throws Exception {
        return Npy.read(npy).toFloats();
    }

    private static void assertClose(float[] expected, float[] got, double tolerance, String what) {
        assertEquals(expected.length, got.length, what);
        double worst = 0;
        for (int i = 0; i < got.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - got[i]));
        }
        assertTrue(worst <= tolerance, what + ": max difference " + worst);
    }

    /** Runs {@code command} (its arguments for a batch size and an output .npy) at each batch size; the raw outputs agree. */
    private void assertSameForEveryBatchSize(java.util.function.BiFunction<Integer, Path, String[]> command) throws Exception {
        float[] first = null;
        for (int b : BATCHES) {
            Path out = dir.resolve("out" + b + ".npy");
            Cli r = Cli.runExactly(command.apply(b, out));
            assertEquals(0, r.exit, r.toString());
            assertTrue(r.err.lines().noneMatch(l -> l.contains("precision")), "sampling's fp32 is not announced: " + r.err);
            float[] x = floats(out);
            if (first == null) {
                first = x;
            } else {
                assertClose(first, x, 1e-4, "batch " + b + " against batch 1");
            }
        }
    }

    @Test
    void sampleGivesTheSameImagesForEveryBatchSize() throws Exception {
        assertSameForEveryBatchSize((b, out) -> new String[] {"sample", "--model", MODEL, "--n", "8", "--seed", "5", "--steps", "4",
                "--batch-size", b.toString(), "--raw", "--out", out.toString()});
    }

    @Test
    void img2imgGivesTheSameImagesForEveryBatchSize() throws Exception {
        assertSameForEveryBatchSize((b, out) -> new String[] {"edit", "img2img", "--model", MODEL, "--image", "fashion-mnist:test",
                "--limit", "7", "--strength", "0.6", "--steps", "5", "--seed", "2", "--batch-size", b.toString(), "--raw", "--out", out.toString()});
    }

    @Test
    void evalFidGivesTheSameSamplesAndScoreForEveryBatchSizeAndRecordsThePrecision() throws Exception {
        ImageSet test = DataSpecs.load("fashion-mnist:test");
        Path ref = dir.resolve("ref.npy");
        Npy.writeBytes(ref, new long[] {40, 28, 28}, Arrays.copyOf(test.pixels(), 40 * 28 * 28));
        Double fid = null;
        byte[] samples = null;
        for (int b : BATCHES) {
            Path json = dir.resolve("fid" + b + ".json");
            Path saved = dir.resolve("fid" + b + ".npy");
            Cli r = Cli.runExactly("eval", "fid", "--model", MODEL, "--n", "7", "--steps", "4", "--seed", "9", "--batch-size", Integer.toString(b),
                    "--ref", ref.toString(), "--save-samples", saved.toString(), "--json", json.toString());
            assertEquals(0, r.exit, r.toString());
            JsonNode report = JSON.readTree(json.toFile());
            assertEquals(PrecisionRule.of(PrecisionRule.Work.SAMPLING, Device.CPU).precision().toString(), report.get("precision").asText());
            byte[] pixels = DataSpecs.load(saved.toString()).pixels();
            if (fid == null) {
                fid = report.get("fid").asDouble();
                samples = pixels;
            } else {
                int worst = 0;
                for (int i = 0; i < pixels.length; i++) {
                    worst = Math.max(worst, Math.abs((pixels[i] & 255) - (samples[i] & 255)));
                }
                assertTrue(worst <= 1, "batch " + b + ": 8-bit samples " + worst + " levels apart");
                assertEquals(fid, report.get("fid").asDouble(), 1e-3 * fid, "batch " + b);
            }
        }
    }

    @Test
    void trainingRecordsItsPrecisionAndAResumeKeepsItUnlessAsked() throws Exception {
        ImageSet test = DataSpecs.load("fashion-mnist:test");
        Path data = dir.resolve("data.npy");
        Npy.writeBytes(data, new long[] {16, 28, 28}, Arrays.copyOf(test.pixels(), 16 * 28 * 28));
        Path run = dir.resolve("run");
        List<String> common = List.of("--data", data.toString(), "--out", run.toString(), "--preset", "quick28", "--batch-size", "4",
                "--samples", "1", "--sample-steps", "1", "--no-tensorboard");
        Cli first = Cli.runExactly(with(common, "--steps", "1"));
        assertEquals(0, first.exit, first.toString());
        String rule = PrecisionRule.of(PrecisionRule.Work.TRAINING, Device.CPU).precision().toString();
        assertTrue(first.err.contains("ddpm4j: precision " + rule + " (--precision auto: "), first.err);
        assertEquals(rule, settings(run).get("precision").asText(), "recorded with the run");
        Cli resumed = Cli.runExactly(with(List.of("--out", run.toString(), "--data", data.toString(), "--resume", "--steps", "2")));
        assertEquals(0, resumed.exit, resumed.toString());
        assertTrue(resumed.err.contains("(this run's; --precision changes it)"), resumed.err);
        assertEquals(rule, settings(run).get("precision").asText(), "kept on --resume");
        Cli changed = Cli.runExactly(with(List.of("--out", run.toString(), "--data", data.toString(), "--resume", "--steps", "3", "--precision", "fp32")));
        assertEquals(0, changed.exit, changed.toString());
        assertEquals("fp32", settings(run).get("precision").asText(), "--precision on --resume changes the run's");
    }

    private static String[] with(List<String> args, String... more) {
        List<String> all = new java.util.ArrayList<>(List.of("train"));
        all.addAll(args);
        all.addAll(List.of(more));
        return all.toArray(new String[0]);
    }

    private static JsonNode settings(Path run) throws Exception {
        try (var files = Files.walk(run)) {
            Path s = files.filter(p -> p.getFileName().toString().equals("settings.json")).findFirst().orElseThrow();
            return JSON.readTree(s.toFile());
        }
    }
}

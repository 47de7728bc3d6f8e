package ddpm4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ddpm4j.io.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EvalBpdCommandTest {
    static final Path FIXTURE = ReferenceAgreementTest.FIXTURE;

    @TempDir
    Path dir;

    /** Monte-Carlo totals of two implementations of calc_bpd_loop, each with its own noise: within 2%. */
    @Test
    void totalsAgreeWithTheReferenceCalcBpdLoop() throws Exception {
        Path json = dir.resolve("bpd.json");
        Cli r = Cli.run("eval", "bpd", "--model", FIXTURE.resolve("model").toString(),
                "--data", FIXTURE.resolve("images.npy").toString(), "--batch-size", "2", "--json", json.toString());
        assertEquals(0, r.exit, r.toString());
        assertTrue(r.out.startsWith("bits/dim: "), r.out);
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        double[] want = Npy.read(FIXTURE.resolve("bpd.npy")).toDoubles();
        assertEquals(want.length, root.get("images").asInt());
        assertEquals(1000, root.get("timesteps").asInt());
        double mean = 0;
        for (int i = 0; i < want.length; i++) {
            JsonNode img = root.get("per_image").get(i);
            double total = img.get("total_bpd").asDouble();
            assertEquals(want[i], total, 0.02 * want[i], "image " + i);
            double sum = img.get("prior_bpd").asDouble();
            for (JsonNode term : img.get("terms_bpd")) {
                sum += term.asDouble();
            }
            assertEquals(total, sum, 1e-9, "total = prior + Σ terms");
            assertEquals(img.get("terms_bpd").get(0).asDouble(), img.get("decoder_bpd").asDouble(), 0);
            assertEquals(1000, img.get("x0_mse").size());
            mean += total / want.length;
        }
        assertEquals(mean, root.get("mean_bpd").asDouble(), 1e-9);
    }

    @Test
    void badDataIsAOneLineError() throws Exception {
        Path json = dir.resolve("o.json");
        Path gray = dir.resolve("gray.npy");
        Npy.writeBytes(gray, new long[] {2, 16, 16}, new byte[512]);
        Cli r = Cli.run("eval", "bpd", "--model", FIXTURE.resolve("model").toString(), "--data", gray.toString(), "--json", json.toString());
        assertEquals(2, r.exit, r.toString());
        assertTrue(r.err.contains("images have 1 channels but the model takes 3"), r.err);
        Path floats = dir.resolve("f.npy");
        Npy.writeFloats(floats, new long[] {1, 16, 16, 3}, new float[768]);
        r = Cli.run("eval", "bpd", "--model", FIXTURE.resolve("model").toString(), "--data", floats.toString(), "--json", json.toString());
        assertEquals(2, r.exit, r.toString());
        assertTrue(r.err.contains("images must be uint8"), r.err);
        r = Cli.run("eval", "bpd", "--model", FIXTURE.resolve("model").toString(), "--data", "cifar10:test", "--json", json.toString());
        assertEquals(2, r.exit, r.toString());
        assertFalse(Files.exists(json));
    }
}

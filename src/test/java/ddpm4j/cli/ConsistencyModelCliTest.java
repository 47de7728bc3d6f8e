package ddpm4j.cli;

import ddpm4j.io.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A consistency model (ADM network + CMStochasticIterativeScheduler, as diffusers stores OpenAI's) sampled through the CLI
 * against reference/adm_reference.py's independent consistency sampling of the same weights, with the noise
 * diffusers' ConsistencyModelPipeline draws from torch.manual_seed(0): one step by default, two at --timesteps 22,0.
 */
class ConsistencyModelCliTest {
    static final Path FIXTURE = Path.of("src/test/resources/reference/adm");

    @TempDir
    Path dir;

    private void assertSamples(String reference, String... options) throws Exception {
        assertSamples(FIXTURE, reference, java.util.stream.Stream.concat(java.util.stream.Stream.of("--class", "0,7"),
                java.util.Arrays.stream(options)).toArray(String[]::new));
    }

    private void assertSamples(Path fixture, String reference, String... options) throws Exception {
        Path out = dir.resolve(reference + ".npy");
        String[] base = {"sample", "--model", fixture.resolve("model").toString(), "--n", "2", "--batch-size", "2", "--generator", "torch",
                "--seed", "0", "--raw", "--out", out.toString()};
        String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(base), java.util.Arrays.stream(options)).toArray(String[]::new);
        Cli r = Cli.run(args);
        assertEquals(0, r.exit, r.toString());
        double err = ReferenceAgreementTest.relativeError(Npy.read(out).toFloats(), Npy.read(fixture.resolve(reference + ".npy")).toFloats());
        assertTrue(err < 1e-4, reference + ": relative error " + err);
    }

    /** The hub's layout (model_index.json, unet/ with a pickled .bin, scheduler/), an unconditional LSUN-kind network. */
    @Test
    void pipelineLayoutWithPickledWeights() throws Exception {
        Path lsun = Path.of("src/test/resources/reference/adm_lsun");
        assertSamples(lsun, "cm_one", "--steps", "1");
        assertSamples(lsun, "cm_two", "--timesteps", "22,0");
    }

    /** convert writes a consistency model as diffusers' ConsistencyModelPipeline, which samples as the original does. */
    @Test
    void convertWritesAConsistencyModelPipeline() throws Exception {
        Path copy = dir.resolve("copy");
        Cli c = Cli.run("convert", "--model", FIXTURE.resolve("model").toString(), "--out", copy.resolve("model").toString(), "--layout", "pipeline");
        assertEquals(0, c.exit, c.toString());
        assertTrue(Files.readString(copy.resolve("model/model_index.json")).contains("\"ConsistencyModelPipeline\""));
        Files.copy(FIXTURE.resolve("cm_one.npy"), copy.resolve("cm_one.npy"));
        assertSamples(copy, "cm_one", "--class", "0,7");
    }

    @Test
    void oneStepByDefault() throws Exception {
        assertSamples("cm_one");
    }

    @Test
    void twoStepsAtOpenAisTimesteps() throws Exception {
        assertSamples("cm_two", "--timesteps", "22,0");
    }

    @Test
    void badTimestepsAreOneLineErrors() {
        Path out = dir.resolve("bad.png");
        for (String[] bad : new String[][] {{"--timesteps", "0,22"}, {"--timesteps", "40,0"}, {"--timesteps", "22,0", "--steps", "2"},
                {"--scheduler", "ddim"}}) {
            String[] args = java.util.stream.Stream.concat(java.util.stream.Stream.of("sample", "--model", FIXTURE.resolve("model").toString(),
                    "--n", "1", "--class", "1", "--out", out.toString()), java.util.Arrays.stream(bad)).toArray(String[]::new);
            Cli r = Cli.run(args);
            assertEquals(2, r.exit, String.join(" ", bad) + ": " + r);
            assertEquals(1, r.err.strip().lines().count(), r.err);
            assertFalse(Files.exists(out));
        }
    }

    /** Every class embedding is a class (OpenAI's models have no no-class label): the last one samples, guidance is refused. */
    @Test
    void everyClassEmbeddingIsAClass() {
        String model = FIXTURE.resolve("model").toString();
        Path out = dir.resolve("last.png");
        Cli r = Cli.run("sample", "--model", model, "--n", "1", "--class", "9", "--out", out.toString());
        assertEquals(0, r.exit, r.toString());
        assertTrue(Files.exists(out));
        Cli beyond = Cli.run("sample", "--model", model, "--n", "1", "--class", "10", "--out", dir.resolve("x.png").toString());
        assertEquals(2, beyond.exit, beyond.toString());
        assertTrue(beyond.err.contains("[0, 10)") && !beyond.err.contains("no-class"), beyond.err);
        Cli guided = Cli.run("sample", "--model", model, "--n", "1", "--class", "3", "--guidance", "2", "--out", dir.resolve("y.png").toString());
        assertEquals(2, guided.exit, guided.toString());
    }

    /** predict takes the float timesteps (250 ln σ, negative below σ = 1) and the class labels these networks take. */
    @Test
    void predictTakesFloatTimestepsAndClasses() throws Exception {
        Path out = dir.resolve("out.npy");
        Cli r = Cli.run("predict", "--model", FIXTURE.resolve("model").toString(), "--x", FIXTURE.resolve("x.npy").toString(),
                "--t", FIXTURE.resolve("t.npy").toString(), "--class", FIXTURE.resolve("labels.npy").toString(), "--out", out.toString());
        assertEquals(0, r.exit, r.toString());
        double err = ReferenceAgreementTest.relativeError(Npy.read(out).toFloats(), Npy.read(FIXTURE.resolve("out.npy")).toFloats());
        assertTrue(err < 1e-4, "relative error " + err);
        Cli missing = Cli.run("predict", "--model", FIXTURE.resolve("model").toString(), "--x", FIXTURE.resolve("x.npy").toString(),
                "--t", FIXTURE.resolve("t.npy").toString(), "--out", dir.resolve("none.npy").toString());
        assertEquals(2, missing.exit, missing.toString());
        assertTrue(missing.err.contains("--class"), missing.err);
        assertFalse(Files.exists(dir.resolve("none.npy")));
    }
}

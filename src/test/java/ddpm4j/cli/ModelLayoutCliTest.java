package ddpm4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code train --layout pipeline} and {@code convert}: diffusers' pipeline layout on output. */
class ModelLayoutCliTest {
    @TempDir
    Path dir;

    @Test
    void aPipelineRunKeepsItsLayoutAndConvertRearrangesIt() throws Exception {
        Path data = EvalQualityCommandsTest.stripes(dir, "stripes", 4, 1);
        Path run = dir.resolve("run");
        Cli first = train(data, run, "--steps", "2", "--layout", "pipeline");
        assertEquals(0, first.exit, first.toString());
        assertTrue(Files.isRegularFile(run.resolve("model_index.json")) && Files.isRegularFile(run.resolve("unet/config.json"))
                && Files.isRegularFile(run.resolve("scheduler/scheduler_config.json")), first.err);
        assertTrue(Files.notExists(run.resolve("config.json")), "no flat files beside the pipeline's");

        Cli resumed = train(data, run, "--resume", "--steps", "3");
        assertEquals(0, resumed.exit, resumed.toString());
        assertTrue(Files.notExists(run.resolve("config.json")), "the resumed run keeps the pipeline layout");
        Cli changed = train(data, run, "--resume", "--steps", "4", "--layout", "flat");
        assertEquals(2, changed.exit, changed.toString());
        assertTrue(changed.err.contains("--layout cannot change on --resume"), changed.err);

        Path flat = dir.resolve("flat");
        Cli convert = Cli.run("convert", "--model", run.toString(), "--out", flat.toString(), "--layout", "flat");
        assertEquals(0, convert.exit, convert.toString());
        assertEquals(List.of("config.json", "diffusion_pytorch_model.safetensors", "scheduler_config.json"), ddpm4j.io.ModelDirectoryTest.files(flat));
        assertArrayEquals(Files.readAllBytes(run.resolve("unet/diffusion_pytorch_model.safetensors")),
                Files.readAllBytes(flat.resolve("diffusion_pytorch_model.safetensors")));
        assertArrayEquals(sample(run), sample(flat), "both layouts sample the same images");

        Cli again = Cli.run("convert", "--model", run.toString(), "--out", flat.toString());
        assertEquals(2, again.exit, again.toString());
        assertEquals(1, again.err.strip().lines().count(), again.err);
        assertTrue(again.err.contains("already exists"), again.err);
        Cli notAModel = Cli.run("convert", "--model", data.toString(), "--out", dir.resolve("x").toString());
        assertEquals(2, notAModel.exit, notAModel.toString());
        assertTrue(Files.notExists(dir.resolve("x")), "no partial output");
    }

    @Test
    void theBuiltInModelConvertsToThePipelineLayoutByDefault() throws Exception {
        Path out = dir.resolve("nested/fmnist");
        Cli convert = Cli.run("convert", "--model", "fashion-mnist", "--out", out.toString());
        assertEquals(0, convert.exit, convert.toString());
        assertEquals(List.of("model_index.json", "scheduler/scheduler_config.json", "unet/config.json",
                "unet/diffusion_pytorch_model.safetensors"), ddpm4j.io.ModelDirectoryTest.files(out));
    }

    private byte[] sample(Path model) throws Exception {
        Path out = dir.resolve(model.getFileName() + "-samples.npy");
        Cli cli = Cli.run("sample", "--model", model.toString(), "--n", "2", "--steps", "2", "--seed", "3", "--out", out.toString());
        assertEquals(0, cli.exit, cli.toString());
        return Files.readAllBytes(out);
    }

    private static Cli train(Path data, Path out, String... args) {
        List<String> all = new ArrayList<>(List.of("train", "--data", data.toString(), "--out", out.toString(), "--preset", "quick28",
                "--batch-size", "2", "--samples", "1", "--sample-steps", "1", "--checkpoint-every", "1", "--no-tensorboard"));
        all.addAll(List.of(args));
        return Cli.run(all.toArray(String[]::new));
    }
}

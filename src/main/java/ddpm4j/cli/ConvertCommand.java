package ddpm4j.cli;

import ddpm4j.io.ModelDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code ddpm4j convert}: a model directory rewritten in the other layout. */
@Command(name = "convert", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a model directory anew in diffusers' pipeline layout (or the flat one).",
                "OUT becomes model_index.json + unet/ + scheduler/, which diffusers loads with"
                        + " DDPMPipeline.from_pretrained(OUT); the weights are written as F32 safetensors whatever the"
                        + " input held (F16/BF16 safetensors or the pickled .bin). OUT must not exist; it appears whole or not at all."})
final class ConvertCommand implements Callable<Integer> {
    @Mixin
    ModelOption model;

    @Option(names = "--out", required = true, paramLabel = "OUT", description = "The new model directory." + Outputs.CREATES_FOLDERS)
    Path out;

    @Option(names = "--layout", paramLabel = "flat|pipeline", converter = ProcessNames.Layouts.class, defaultValue = "pipeline",
            description = "pipeline (model_index.json, unet/, scheduler/) or flat (config.json, weights and"
                    + " scheduler_config.json side by side) (default: ${DEFAULT-VALUE}).")
    ModelDirectory.Layout layout;

    @Option(names = "--verbose", description = "Print stack traces of errors.")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        if (Files.exists(out)) {
            throw new UserException(out + " already exists; convert writes a new directory");
        }
        Outputs.prepare(out);
        ModelDirectory.convert(model.path(), out, layout);
        System.err.println("wrote " + out + " (" + layout.configName() + " layout)");
        return 0;
    }
}

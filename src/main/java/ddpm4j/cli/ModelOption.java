package ddpm4j.cli;

import ddpm4j.io.Builtins;
import ddpm4j.io.Model;
import ddpm4j.io.ModelDirectory;
import ddpm4j.torch.Device;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** The {@code --model DIR} option every command that runs a model shares. */
final class ModelOption {
    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Model directory (diffusers layout), or the built-in model fashion-mnist.")
    Path model;

    /** The network, on the command's device in the precision for sampling ({@link Options#precision}), and its diffusion process. */
    Model load(Options options) throws IOException {
        Model m = load(model, options.device());
        m.unet().setPrecision(options.precision(ddpm4j.torch.PrecisionRule.Work.SAMPLING));
        return m;
    }

    ModelDirectory open() throws IOException {
        return ModelDirectory.open(path());
    }

    /** The directory given, or the one a built-in model of that name was extracted to. */
    Path path() throws IOException {
        return Builtins.resolve(Builtins.Kind.MODEL, model);
    }

    /** The model in a directory or built in under that name, moved to {@code device}. */
    static Model load(Path dirOrName, Device device) throws IOException {
        Model m = ModelDirectory.load(Builtins.resolve(Builtins.Kind.MODEL, dirOrName));
        try {
            return m.to(device);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    @Override
    public String toString() {
        return model.toString();
    }
}

package ddpm4j.cli;

import ddpm4j.io.Builtins;
import ddpm4j.io.Model;
import ddpm4j.io.ModelDirectory;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** The {@code --model DIR} option every command that runs a model shares. */
final class ModelOption {
    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Model directory (diffusers layout), or the built-in model fashion-mnist.")
    Path model;

    /** The network and its diffusion process. */
    Model load() throws IOException {
        return load(model);
    }

    ModelDirectory open() throws IOException {
        return ModelDirectory.open(Builtins.resolve(Builtins.Kind.MODEL, model));
    }

    /** The model in a directory or built in under that name. */
    static Model load(Path dirOrName) throws IOException {
        return ModelDirectory.load(Builtins.resolve(Builtins.Kind.MODEL, dirOrName));
    }

    @Override
    public String toString() {
        return model.toString();
    }
}

package ddpm4j.cli;

import ddpm4j.io.Model;
import ddpm4j.io.ModelDirectory;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** The {@code --model DIR} option every command that runs a model shares. */
final class ModelOption {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model directory (diffusers layout).")
    Path model;

    /** The network and its diffusion process. */
    Model load() throws IOException {
        return ModelDirectory.load(model);
    }

    ModelDirectory open() throws IOException {
        return ModelDirectory.open(model);
    }

    @Override
    public String toString() {
        return model.toString();
    }
}

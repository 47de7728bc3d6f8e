package ddpm4j.cli;

import picocli.CommandLine.Option;

/** {@code --batch-size} of the commands that call the network on 16 images at a time unless told otherwise. */
final class BatchSizeOption {
    @Option(names = "--batch-size", defaultValue = "16", paramLabel = "B", description = "Images per network call (default: ${DEFAULT-VALUE}).")
    int value;

    /** Refuses a value below 1. */
    void validate() {
        Checks.atLeast("--batch-size", value, 1);
    }
}

package ddpm4j.cli;

import picocli.CommandLine.Option;

/** {@code --seed} of the commands that draw each image's noise from (seed, image index). */
final class SeedOption {
    @Option(names = "--seed", defaultValue = "0", paramLabel = "K", description = "Random seed; image k's noise depends only on (K, k) (default: ${DEFAULT-VALUE}).")
    long value;
}

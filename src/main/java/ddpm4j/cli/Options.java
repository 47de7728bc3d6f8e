package ddpm4j.cli;

import picocli.CommandLine.Option;

/** Options every command shares. */
final class Options {
    @Option(names = "--verbose", description = "Print stack traces of errors.")
    boolean verbose;

    @Option(names = "--threads", paramLabel = "N", description = "Intra-op threads for libtorch (default: all cores).")
    Integer threads;

    void apply() {
        Main.loadNatives();
        if (threads != null) {
            if (threads < 1) {
                throw new UserException("--threads must be at least 1, got " + threads);
            }
            org.bytedeco.pytorch.global.torch.set_num_threads(threads);
        }
    }
}

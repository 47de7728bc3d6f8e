package ddpm4j.cli;

import picocli.CommandLine.Option;

/** Options every command shares. */
final class Options {
    @Option(names = "--verbose", description = "Print stack traces of errors.")
    boolean verbose;

    @Option(names = "--threads", paramLabel = "N", description = "Intra-op threads for libtorch (default: all cores).")
    Integer threads;

    @Option(names = "--precision", defaultValue = "fp32", paramLabel = "P",
            description = "Arithmetic of the diffusion network: fp32 (exact) or bf16 (bfloat16 convolutions and matrix"
                    + " products, float32 elsewhere; several times faster on CPUs with AMX or AVX512-BF16) (default: ${DEFAULT-VALUE}).")
    String precision;

    void apply() {
        Main.loadNatives();
        try {
            ddpm4j.torch.Precision p = ddpm4j.torch.Precision.of(precision);
            ddpm4j.torch.Precision.setDefault(p);
            if (p == ddpm4j.torch.Precision.BF16 && !ddpm4j.torch.Precision.nativeBfloat16()) {
                System.err.println("ddpm4j: warning: this CPU has neither AMX nor AVX512-BF16; bf16 is emulated and slower than fp32");
            }
        } catch (IllegalArgumentException e) {
            throw new UserException("--precision: " + e.getMessage());
        }
        if (threads != null) {
            if (threads < 1) {
                throw new UserException("--threads must be at least 1, got " + threads);
            }
            org.bytedeco.pytorch.global.torch.set_num_threads(threads);
        }
    }
}

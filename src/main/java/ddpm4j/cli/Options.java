package ddpm4j.cli;

import picocli.CommandLine.Option;

/** Options every command shares. */
final class Options {
    @Option(names = "--verbose", description = "Print stack traces of errors.")
    boolean verbose;

    @Option(names = "--threads", paramLabel = "N", description = "Intra-op threads for libtorch (default: every core this JVM may use).")
    Integer threads;

    @Option(names = "--precision", defaultValue = "fp32", paramLabel = "P",
            description = "Arithmetic of the diffusion network: fp32 (exact), bf16 (bfloat16 convolutions and matrix"
                    + " products, float32 elsewhere; several times faster on CPUs with AMX or AVX512-BF16) or fp16 (the same"
                    + " in float16, CUDA only) (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "D",
            description = "Where the networks run: cpu, cuda (the current GPU) or cuda:K; CUDA needs the build made with"
                    + " 'mvn -Pcuda package' (default: ${DEFAULT-VALUE}).")
    String device;

    private ddpm4j.torch.Device parsedDevice;

    /** The device asked for, checked to exist; valid after {@link #apply()}. */
    ddpm4j.torch.Device device() {
        return parsedDevice;
    }

    void apply() {
        Main.loadNatives();
        try {
            parsedDevice = ddpm4j.torch.Device.parse(device);
            if (parsedDevice.equals(ddpm4j.torch.Device.META)) {
                throw new IllegalArgumentException("the meta device holds no values; use cpu or cuda");
            }
            parsedDevice.requireAvailable();
        } catch (IllegalArgumentException e) {
            throw new UserException("--device: " + e.getMessage());
        }
        try {
            ddpm4j.torch.Precision p = ddpm4j.torch.Precision.of(precision).requireSupportedOn(parsedDevice);
            ddpm4j.torch.Precision.setDefault(p);
            if (p == ddpm4j.torch.Precision.BF16 && parsedDevice.isCpu() && !ddpm4j.torch.Precision.nativeBfloat16()) {
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

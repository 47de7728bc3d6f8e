package ddpm4j.cli;

import picocli.CommandLine.Option;

/** Options every command shares. */
final class Options {
    @Option(names = "--verbose", description = "Print stack traces of errors.")
    boolean verbose;

    @Option(names = "--threads", paramLabel = "N", description = "Intra-op threads for libtorch (default: every core this JVM may use).")
    Integer threads;

    @Option(names = "--precision", defaultValue = "auto", paramLabel = "P",
            description = "Arithmetic of the diffusion network: fp32 (exact), bf16 (bfloat16 convolutions and matrix"
                    + " products, float32 elsewhere; about twice as fast on CPUs with AMX or AVX512-BF16, images up to ~0.1 apart"
                    + " from fp32's), fp16 (the same in float16, CUDA only), or auto: a fixed rule, never a timing: fp32 for"
                    + " sampling, editing and evaluating (the same images for every --batch-size), and for training bf16 on CPUs"
                    + " with native bfloat16, else fp32; a training run records its precision and --resume keeps it unless"
                    + " --precision is given (default: ${DEFAULT-VALUE}).")
    String precision;

    /** The precision asked for; null for auto. */
    private ddpm4j.torch.Precision requested;

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
            ddpm4j.dist.DistEnv env = Distributed.environment();
            if (parsedDevice.isCuda() && parsedDevice.index() < 0 && env.distributed()) {
                parsedDevice = new ddpm4j.torch.Device("cuda", env.localRank()); // a GPU per rank, as torchrun's LOCAL_RANK means
            }
            parsedDevice.requireAvailable();
        } catch (IllegalArgumentException e) {
            throw new UserException("--device: " + e.getMessage());
        }
        try {
            requested = "auto".equalsIgnoreCase(precision) ? null : ddpm4j.torch.Precision.of(precision).requireSupportedOn(parsedDevice);
            if (requested == ddpm4j.torch.Precision.BF16 && parsedDevice.isCpu() && !ddpm4j.torch.Cpu.current().nativeBfloat16()) {
                System.err.println("ddpm4j: warning: this CPU has neither AMX nor AVX512-BF16; bf16 is emulated and slower than fp32");
            }
        } catch (IllegalArgumentException e) {
            throw new UserException("--precision: " + e.getMessage());
        }
        if (threads != null) {
            Checks.atLeast("--threads", threads, 1);
            org.bytedeco.pytorch.global.torch.set_num_threads(threads);
        }
    }

    /** The precision asked for with --precision, null for auto; valid after {@link #apply()}. */
    ddpm4j.torch.Precision requestedPrecision() {
        return requested;
    }

    /**
     * The arithmetic for {@code work}: the one asked for, or with auto {@link ddpm4j.torch.PrecisionRule}'s choice
     * (a function of the work, device and CPU: no rank measures, none waits for another).
     */
    ddpm4j.torch.Precision precision(ddpm4j.torch.PrecisionRule.Work work) {
        return requested != null ? requested : ddpm4j.torch.PrecisionRule.of(work, parsedDevice).precision();
    }

    /**
     * Says in one line, on rank 0, the precision a training run took and why: the rule's reason under auto, else
     * {@code given}. Printed once the run is set up, so that an error before stays one line; sampling's precision
     * (fp32 on every CPU under auto, as --help says) is recorded in the reports instead of printed.
     */
    void sayTraining(ddpm4j.torch.Precision precision, String given) {
        if (Distributed.environment().rank() == 0) {
            String why = requested == null && given == null
                    ? "--precision auto: " + ddpm4j.torch.PrecisionRule.of(ddpm4j.torch.PrecisionRule.Work.TRAINING, parsedDevice).reason()
                    : given != null ? given : "as asked";
            System.err.println("ddpm4j: precision " + precision + " (" + why + ")");
        }
    }
}

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
                    + " products, float32 elsewhere; faster on CPUs with AMX or AVX512-BF16 for the larger networks), fp16 (the"
                    + " same in float16, CUDA only), or auto: bf16 (fp16 on CUDA) where a measurement of this network at this"
                    + " batch size on this machine shows it faster and right, else fp32; the choice is remembered in"
                    + " ~/.cache/ddpm4j/precision.json; sample, train, quickstart, edit, eval fid|is and figure progressive"
                    + " measure, the other commands run auto as fp32 (default: ${DEFAULT-VALUE}).")
    String precision;

    private boolean autoPrecision;
    private ddpm4j.torch.Precision fixedPrecision;

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
        autoPrecision = "auto".equalsIgnoreCase(precision);
        try {
            ddpm4j.torch.Precision p = autoPrecision ? ddpm4j.torch.Precision.FP32
                    : ddpm4j.torch.Precision.of(precision).requireSupportedOn(parsedDevice);
            fixedPrecision = p;
            if (p == ddpm4j.torch.Precision.BF16 && parsedDevice.isCpu() && !ddpm4j.torch.Cpu.current().nativeBfloat16()) {
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

    /**
     * The precision asked for; fp32 for {@code auto} until {@link #settlePrecision} measures (commands
     * that do not measure, such as {@code eval bpd} and {@code bench}, run {@code auto} in fp32).
     */
    ddpm4j.torch.Precision precision() {
        return fixedPrecision;
    }

    /** {@link #settlePrecision(ddpm4j.nn.UNet2DModel, int, boolean)} for a trainer's network, its EMA copy following. */
    void settlePrecision(ddpm4j.train.Trainer trainer) {
        settlePrecision(trainer, ddpm4j.dist.Group.single());
    }

    /**
     * As above for one rank of {@code group}: rank 0 measures (alone, so the ranks do not slow each other's
     * measurement) and every rank takes its choice, so that all ranks compute alike.
     */
    void settlePrecision(ddpm4j.train.Trainer trainer, ddpm4j.dist.Group group) {
        settlePrecision(trainer.rawModel(), trainer.settings().batchSize() / group.size(), true, group);
        trainer.setPrecision(trainer.rawModel().precision());
    }

    /**
     * {@link #settlePrecision(ddpm4j.nn.UNet2DModel, int, boolean)} on rank 0 of {@code group} (measuring alone,
     * so that the ranks do not slow each other's measurement), every rank taking its choice so that all compute alike.
     */
    void settlePrecision(ddpm4j.nn.UNet2DModel net, int batch, boolean training, ddpm4j.dist.Group group) {
        if (group.isMain()) {
            settlePrecision(net, batch, training);
        }
        if (group.size() > 1) {
            net.setPrecision(ddpm4j.torch.Precision.values()[(int) group.broadcastValue(net.precision().ordinal(), 0)]);
        }
    }

    /**
     * With {@code --precision auto}, sets {@code net}'s arithmetic to what a measurement at this batch size
     * shows best ({@link ddpm4j.nn.PrecisionProbe}, remembered per machine and network) and says so in one line;
     * otherwise sets the precision asked for. {@code training}: the network will take training steps.
     */
    void settlePrecision(ddpm4j.nn.UNet2DModel net, int batch, boolean training) {
        if (!autoPrecision) {
            net.setPrecision(fixedPrecision);
            return;
        }
        java.nio.file.Path cache = ddpm4j.io.CacheDir.root().resolve("precision.json");
        ddpm4j.nn.PrecisionProbe.Choice c;
        try {
            c = ddpm4j.nn.PrecisionProbe.choose(net, batch, training, cache);
        } catch (java.io.IOException e) { // an unreadable or unwritable cache file; a failed measurement is not retried
            System.err.println("ddpm4j: --precision auto: cannot use " + cache + " (" + e.getMessage() + "); measuring without it");
            c = ddpm4j.nn.PrecisionProbe.choose(net, batch, training);
        }
        String measured = Double.isNaN(c.otherMs()) ? "" : String.format(java.util.Locale.ROOT,
                ": %.1f ms per pass at batch %d against fp32's %.1f ms, measured on this machine", c.otherMs(), batch, c.fp32Ms());
        System.err.println("ddpm4j: --precision auto: " + c.precision() + " (" + c.reason() + measured + ")");
    }
}

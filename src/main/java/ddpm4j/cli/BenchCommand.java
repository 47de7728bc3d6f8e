package ddpm4j.cli;

import ddpm4j.torch.PrecisionRule;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import ddpm4j.bench.BenchResult;
import ddpm4j.bench.SgemmBenchmark;
import ddpm4j.bench.SamplingBenchmark;
import ddpm4j.bench.TrainingBenchmark;
import ddpm4j.io.AtomicFiles;
import ddpm4j.nn.Presets;
import ddpm4j.torch.ConvCheck;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code ddpm4j bench}: network speed on this machine. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Time the network on this machine: median ms per step, images per second, GFLOP/s from an analytic"
                + " FLOP count, peak resident memory.",
                "--mode sample times inference forward passes (one per sampling step); --mode train times full training"
                        + " steps (forward, L_simple, backward, clipping, Adam, EMA) on random images."})
final class BenchCommand implements Callable<Integer> {
    /** What to time. */
    enum Mode { sample, train }

    /** The side of the matrices --sgemm multiplies (as bench/pytorch_bench.py --sgemm). */
    private static final int SGEMM_SIZE = 2048;

    @Mixin
    Options options;

    @Option(names = "--preset", paramLabel = "NAME", description = "Architecture: ${COMPLETION-CANDIDATES}.",
            completionCandidates = PresetNames.class)
    String preset;

    @Option(names = "--config", paramLabel = "config.json", description = "Instead of --preset, the network a diffusers"
            + " UNet2DModel config.json describes (e.g. a downloaded model's), with random weights; class-conditional networks"
            + " are timed sampling, with class 0.")
    Path config;

    @Option(names = "--mode", defaultValue = "sample", paramLabel = "MODE", description = "What to time: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Mode mode;

    @Option(names = "--batch-size", defaultValue = "16", paramLabel = "B", description = "Images per step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--iters", defaultValue = "10", paramLabel = "N", description = "Timed steps after the warm-up (default: ${DEFAULT-VALUE}).")
    int iters;

    @Option(names = "--warmup", defaultValue = "5", paramLabel = "SECONDS",
            description = "Untimed steps first, for this long and at least 2 (default: ${DEFAULT-VALUE}); the JVM's first seconds are slower.")
    double warmup;

    @Option(names = "--sgemm", description = "Also time libtorch's float32 matrix product (2048×2048, torch.mm) and give the"
            + " network's GFLOP/s as a share of it: the CPU's practical peak through the same library.")
    boolean sgemm;

    @Option(names = "--json", paramLabel = "OUT.json", description = "Also write the result as JSON." + Outputs.CREATES_FOLDERS)
    Path json;

    /** The preset names, for --help. */
    static final class PresetNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Presets.names().iterator();
        }
    }

    @Override
    public Integer call() throws Exception {
        if (json != null) {
            Outputs.extension(json, "--json", List.of("json"));
        }
        Checks.atLeast("--batch-size", batchSize, 1);
        Checks.atLeast("--iters", iters, 1);
        if (!(warmup >= 0 && warmup <= 3600)) {
            throw new UserException("--warmup must be between 0 and 3600 seconds, got " + warmup);
        }
        if ((preset == null) == (config == null)) {
            throw new UserException("give --preset NAME or --config config.json");
        }
        var arch = preset != null ? Presets.get(preset) : ddpm4j.io.ConfigJson.readUNet(config);
        String name = preset != null ? preset : config.toString();
        if (mode == Mode.train && arch.classConditional()) {
            throw new UserException("--mode train times unconditional networks; " + config + " is class-conditional (num_class_embeds)");
        }
        options.apply();
        BenchResult r = mode == Mode.sample
                ? SamplingBenchmark.run(name, arch, batchSize, warmup, iters, options.device(), options.precision(PrecisionRule.Work.SAMPLING))
                : TrainingBenchmark.run(name, arch, batchSize, warmup, iters, options.device(), options.precision(PrecisionRule.Work.TRAINING));
        System.out.printf(java.util.Locale.ROOT, "%s %s, batch %d: %.1f ms/step (median of %d; fastest %.1f, slowest %.1f), %.2f img/s,"
                        + " %.1f GFLOP/s (%.3f GFLOP per image), %,d parameters, %d threads, %s, peak RSS %.0f MiB, %s%n", r.preset(), r.mode(),
                r.batchSize(), r.msPerStep(), r.iterations(), r.msFastest(), r.msSlowest(), r.imagesPerSecond(), r.gflops(), r.gflopPerImage(), r.parameters(), r.threads(), r.precision(), r.peakRssMb(), r.cpu());
        if (sgemm) {
            double peak = SgemmBenchmark.gflops(SGEMM_SIZE, warmup, iters);
            System.out.printf(java.util.Locale.ROOT, "sgemm %d (libtorch): %.1f GFLOP/s with %d threads; the %s step reaches %.0f%% of it%n",
                    SGEMM_SIZE, peak, r.threads(), r.mode(), 100 * r.gflops() / peak);
        }
        if (!r.convolutions().isEmpty()) {
            System.out.printf(java.util.Locale.ROOT, "convolution paths (%d shapes self-checked against float64 in %.1f s; the relative error of the path first tried):%n",
                    r.convolutions().size(), r.convolutions().stream().mapToDouble(ConvCheck::seconds).sum());
        }
        for (ConvCheck c : r.convolutions()) {
            System.out.printf(java.util.Locale.ROOT, "  %-7s %8.1e  %s%n", c.path(), c.errors().get(c.preferred()), c.shape());
        }
        if (json != null) {
            Outputs.prepare(json);
            AtomicFiles.write(json, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(r));
        }
        return 0;
    }
}

package ddpm4j.cli;

import ddpm4j.io.Model;
import ddpm4j.schedule.SchedulerClass;
import ddpm4j.sample.NoiseSource;
import ddpm4j.sample.ProgressiveGeneration;
import ddpm4j.sample.TracedSampler;
import org.bytedeco.javacpp.PointerScope;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code ddpm4j figure progressive}: x̂₀ while sampling (fig. 6). */
@Command(name = "progressive", mixinStandardHelpOptions = true,
        description = "Progressive generation (fig. 6): each row is one sample, each column the prediction x0 at one"
                + " timestep while sampling, from noise (left) to the final image (right).")
final class FigureProgressiveCommand implements Callable<Integer> {
    @Mixin
    Options options;

    @Mixin
    ModelOption model;

    @Mixin
    SamplerOptions sampling = new SamplerOptions(SchedulerClass.DDPM);

    @Mixin
    ClassOptions conditioning;

    @Option(names = "--n", defaultValue = "8", paramLabel = "N", description = "Samples, one per row (default: ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--at", split = ",", paramLabel = "T1,T2,...",
            description = "Timesteps shown, the paper's t in [1, T] (default: 10 from T to 1; the sampler's visited steps nearest to these).")
    List<Integer> at;

    @Option(names = "--out", required = true, paramLabel = "OUT.png", description = "Output image." + Outputs.CREATES_FOLDERS)
    Path out;

    @Override
    public Integer call() throws Exception {
        Outputs.extension(out, "--out", List.of("png"));
        if (n < 1 || n > 64) {
            throw new UserException("--n must be in [1, 64], got " + n);
        }
        sampling.validate();
        conditioning.validate();
        Outputs.prepare(out);
        options.apply();
        try (Model m = model.load(options); PointerScope scope = new PointerScope()) {
            int total = m.scheduler().numTrainTimesteps();
            int[] wanted = at == null ? Figures.evenlySpaced(total, Math.min(10, total)) : Figures.networkSteps(at, total, "--at");
            TracedSampler sampler = sampling.build(m.scheduler());
            int c = m.unet().config().inChannels();
            int size = m.unet().config().sampleSize();
            NoiseSource noise = sampling.noise().batch(0, n, c, size, size);
            ProgressiveGeneration.Result r;
            try (Progress progress = new Progress("sample", (long) n * sampler.passes())) {
                r = ProgressiveGeneration.run(sampler, sampling.network(conditioning.network(m)).of(0, n), noise.next(m.device()), noise, wanted, (d, all) -> progress.step(n));
            }
            int per = c * size * size;
            float[][] rows = new float[n][];
            for (int k = 0; k < n; k++) {
                float[][] cells = new float[r.steps().length][];
                for (int j = 0; j < cells.length; j++) {
                    cells[j] = Arrays.copyOfRange(r.x0()[j], k * per, (k + 1) * per);
                }
                rows[k] = Figures.concat(cells);
            }
            Figures.writeTable(out, rows, r.steps().length, c, size);
            System.err.println("columns at t = " + Arrays.toString(Arrays.stream(r.steps()).map(t -> t + 1).toArray()));
        }
        return 0;
    }
}

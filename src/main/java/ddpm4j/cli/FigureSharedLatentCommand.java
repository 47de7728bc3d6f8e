package ddpm4j.cli;

import ddpm4j.data.ImageSet;
import ddpm4j.io.Model;
import ddpm4j.sample.AncestralSampler;
import ddpm4j.sample.SharedLatent;
import ddpm4j.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code ddpm4j figure shared-latent}: several completions of one noised image (fig. 7). */
@Command(name = "shared-latent", mixinStandardHelpOptions = true,
        description = "Shared latent (fig. 7): a data image is noised to x_t and completed several times by the reverse"
                + " process. Each row: the image, x_t, then the completions; one row per t.")
final class FigureSharedLatentCommand implements Callable<Integer> {
    @Mixin
    Options options;

    @Mixin
    ModelOption model;

    @Option(names = "--data", required = true, paramLabel = "SPEC", description = "Where the image comes from, e.g. fashion-mnist:test.")
    String data;

    @Option(names = "--index", defaultValue = "0", paramLabel = "K", description = "Which image of the data (default: ${DEFAULT-VALUE}).")
    int index;

    @Option(names = "--t", split = ",", paramLabel = "T1,T2,...", description = "Latent timesteps, the paper's t (default: T, 3T/4, T/2, T/4).")
    List<Integer> ts;

    @Option(names = "--n", defaultValue = "6", paramLabel = "N", description = "Completions per latent (default: ${DEFAULT-VALUE}).")
    int n;

    @Mixin
    DecodeOptions decoding;

    @Option(names = "--out", required = true, paramLabel = "OUT.png", description = "Output image." + Outputs.CREATES_FOLDERS)
    Path out;

    @Override
    public Integer call() throws Exception {
        Outputs.extension(out, "--out", List.of("png"));
        if (n < 1 || n > 32) {
            throw new UserException("--n must be in [1, 32], got " + n);
        }
        Outputs.prepare(out);
        options.apply();
        try (Model m = model.load(options); PointerScope scope = new PointerScope()) {
            int total = m.scheduler().numTrainTimesteps();
            int[] steps = ts == null ? Figures.fractions(total, 4, 3, 2, 1)
                    : Figures.networkSteps(ts, total, "--t");
            ImageSet set = Figures.images(data, m);
            Figures.checkIndex(set, index, data);
            int c = set.channels();
            int size = set.height();
            float[] image = set.modelSpace(index, 1);
            AncestralSampler sampler = decoding.sampler(m);
            float[][] rows = new float[steps.length][];
            try (Progress progress = new Progress("sample", DecodeOptions.work(steps, n))) {
                for (int i = 0; i < steps.length; i++) {
                    try (PointerScope step = new PointerScope()) {
                        SharedLatent.Result r = SharedLatent.run(sampler, ClassOptions.unconditional(m), m.device().put(Tensors.fromFloats(image, 1, c, size, size)),
                                steps[i], n, decoding.seed + i, (d, all) -> progress.step(n));
                        rows[i] = Figures.concat(image, r.xt(), r.completions());
                    }
                }
            }
            Figures.writeTable(out, rows, n + 2, c, size);
        }
        return 0;
    }
}

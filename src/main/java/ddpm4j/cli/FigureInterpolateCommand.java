package ddpm4j.cli;

import ddpm4j.data.ImageSet;
import ddpm4j.io.Model;
import ddpm4j.sample.AncestralSampler;
import ddpm4j.sample.Interpolation;
import ddpm4j.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code ddpm4j figure interpolate}: interpolation between two images through x_t (fig. 8). */
@Command(name = "interpolate", mixinStandardHelpOptions = true,
        description = "Interpolation (fig. 8): two data images are noised to x_t with the same noise, their latents mixed"
                + " for lambda from 0 to 1 and decoded. Each row: the first image, the decodings, the second image;"
                + " one row per t.")
final class FigureInterpolateCommand implements Callable<Integer> {
    @Mixin
    Options options;

    @Mixin
    ModelOption model;

    @Option(names = "--data", required = true, paramLabel = "SPEC", description = "Where the two images come from, e.g. fashion-mnist:test.")
    String data;

    @Option(names = "--pair", split = ",", defaultValue = "0,1", paramLabel = "I,J", description = "Indices of the two images (default: ${DEFAULT-VALUE}).")
    List<Integer> pair;

    @Option(names = "--t", split = ",", paramLabel = "T1,T2,...", description = "Encoding timesteps, the paper's t (default: T/4, T/2, 3T/4).")
    List<Integer> ts;

    @Option(names = "--lambdas", defaultValue = "9", paramLabel = "K", description = "Values of lambda, evenly from 0 to 1 (default: ${DEFAULT-VALUE}).")
    int lambdas;

    @Mixin
    DecodeOptions decoding;

    @Option(names = "--out", required = true, paramLabel = "OUT.png", description = "Output image." + Outputs.CREATES_FOLDERS)
    Path out;

    @Override
    public Integer call() throws Exception {
        Outputs.extension(out, "--out", List.of("png"));
        if (pair.size() != 2) {
            throw new UserException("--pair takes two indices, got " + pair);
        }
        if (lambdas < 2 || lambdas > 33) {
            throw new UserException("--lambdas must be in [2, 33], got " + lambdas);
        }
        Outputs.prepare(out);
        options.apply();
        try (Model m = model.load(options); PointerScope scope = new PointerScope()) {
            int total = m.scheduler().numTrainTimesteps();
            int[] steps = ts == null ? Figures.fractions(total, 1, 2, 3)
                    : Figures.networkSteps(ts, total, "--t");
            ImageSet set = Figures.images(data, m);
            Figures.checkIndex(set, pair.get(0), data);
            Figures.checkIndex(set, pair.get(1), data);
            int c = set.channels();
            int size = set.height();
            float[] a = set.modelSpace(pair.get(0), 1);
            float[] b = set.modelSpace(pair.get(1), 1);
            AncestralSampler sampler = decoding.sampler(m);
            double[] grid = Interpolation.lambdas(lambdas);
            float[][] rows = new float[steps.length][];
            try (Progress progress = new Progress("sample", DecodeOptions.work(steps, lambdas))) {
                for (int i = 0; i < steps.length; i++) {
                    try (PointerScope step = new PointerScope()) {
                        Interpolation.Result r = Interpolation.run(sampler, ClassOptions.unconditional(m), m.device().put(Tensors.fromFloats(a, 1, c, size, size)),
                                m.device().put(Tensors.fromFloats(b, 1, c, size, size)), steps[i], grid, decoding.seed, (d, all) -> progress.step(lambdas));
                        rows[i] = Figures.concat(a, r.decoded(), b);
                    }
                }
            }
            Figures.writeTable(out, rows, lambdas + 2, c, size);
        }
        return 0;
    }
}

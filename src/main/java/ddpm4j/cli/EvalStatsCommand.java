package ddpm4j.cli;

import ddpm4j.eval.FeatureStatistics;
import ddpm4j.eval.FeatureExtractor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code ddpm4j eval stats}: reference statistics for FID, in pytorch-fid's .npz format. */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = "Mean and covariance of the judge's or Inception's features of a dataset (pytorch-fid's .npz: mu, sigma),"
                + " to pass as 'eval fid --ref'.")
final class EvalStatsCommand implements Callable<Integer> {
    @Mixin
    Options options;

    @Mixin
    FeatureOption features;

    @Option(names = "--data", required = true, paramLabel = "SPEC", description = "Images: a named dataset with split, a folder of PNG/JPEG, a uint8 .npy/.npz.")
    String data;

    @Option(names = "--out", required = true, paramLabel = "STATS.npz",
            description = "Output statistics file." + Outputs.CREATES_FOLDERS)
    Path out;

    @Override
    public Integer call() throws Exception {
        Outputs.extension(out, "--out", List.of("npz"));
        Outputs.prepare(out);
        options.apply();
        try (ddpm4j.dist.Group group = Distributed.join(options); FeatureExtractor j = features.load(options.device())) {
            FeatureStatistics stats = FeatureOption.extract(j, FeatureOption.images(j, data), data, group).statistics();
            if (!group.isMain()) {
                return 0; // rank 0 writes
            }
            stats.write(out);
            System.err.println("wrote " + out + " (" + stats.count() + " images, " + stats.dim() + " features)");
        }
        return 0;
    }
}

package ddpm4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import ddpm4j.eval.FeatureExtractor;
import ddpm4j.eval.FeatureStatistics;
import ddpm4j.eval.FrechetDistance;
import ddpm4j.io.Npy;
import ddpm4j.io.Npz;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code ddpm4j eval fid}: Fréchet distance between generated and reference images in a judge's feature space. */
@Command(name = "fid", mixinStandardHelpOptions = true,
        description = "Frechet distance (FID) between the feature Gaussians of generated and of reference images, in the"
                + " feature space of a judge classifier or of Inception-v3 (--features). Lower is better; 0 means identical statistics.")
final class EvalFidCommand implements Callable<Integer> {
    @Mixin
    Options options;

    @Mixin
    GeneratedImages images;

    @Mixin
    FeatureOption features;

    @Option(names = "--ref", paramLabel = "SPEC|STATS.npz",
            description = "Reference images (a data SPEC) or statistics written by 'eval stats' (default: the data the judge was trained on).")
    String ref;

    @Mixin
    Reports reports;

    @Override
    public Integer call() throws Exception {
        images.validate();
        if (images.source.model != null && images.n < 2) {
            throw new UserException("FID needs at least 2 images, got --n " + images.n);
        }
        reports.prepare();
        options.apply();
        if (ref == null && features.kind == FeatureOption.Kind.inception) {
            throw new UserException("--features inception needs --ref (reference images or statistics)");
        }
        try (ddpm4j.dist.Group group = Distributed.join(options); FeatureExtractor j = features.load(options.device())) {
            String reference = ref != null ? ref : j.trainedOn();
            FeatureStatistics refStats = referenceStatistics(j, reference, group);
            FeatureStatistics stats = images.source.samples != null
                    ? referenceStatistics(j, images.source.samples, group)
                    : FeatureOption.extract(j, images.load(j, options, group), "samples", group).statistics();
            if (!group.isMain()) {
                return 0; // rank 0 reports
            }
            if (stats.dim() != refStats.dim()) {
                throw new UserException("the statistics have " + stats.dim() + " and " + refStats.dim() + " features");
            }
            double fid = FrechetDistance.between(stats, refStats);
            System.out.printf(Locale.ROOT, "FID %.4f  (%s of %s vs %s; %s)%n", fid,
                    stats.count() > 0 ? stats.count() + " images" : "statistics", images.describe(), reference, features.describe());
            ObjectNode o = reports.report(stats.count(), images, features);
            o.put("fid", fid);
            o.put("reference", reference);
            reports.write(o);
        }
        return 0;
    }

    /** Statistics from a pytorch-fid .npz, or from the judge's features of a SPEC's images. */
    static FeatureStatistics referenceStatistics(FeatureExtractor j, String reference, ddpm4j.dist.Group group) throws java.io.IOException {
        if (reference.toLowerCase(Locale.ROOT).endsWith(".npz")) {
            Map<String, Npy.Array> arrays = Npz.read(Path.of(reference)); // read once: statistics are tens of MB
            if (FeatureStatistics.areStatistics(arrays)) {
                return FeatureStatistics.of(Path.of(reference), arrays);
            }
        }
        return FeatureOption.extract(j, FeatureOption.images(j, reference), reference, group).statistics();
    }
}

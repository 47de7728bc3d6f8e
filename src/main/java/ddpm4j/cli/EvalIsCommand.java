package ddpm4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import ddpm4j.data.ImageSet;
import ddpm4j.eval.InceptionScore;
import ddpm4j.eval.FeatureExtractor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code ddpm4j eval is}: the Inception Score with a judge's class probabilities. */
@Command(name = "is", mixinStandardHelpOptions = true,
        description = "Inception Score exp(E KL(p(y|x) || p(y))) of generated images with the class"
                + " probabilities of a judge classifier or of Inception-v3 (--features), mean and standard deviation over splits. Higher is better; at most the number of classes.")
final class EvalIsCommand implements Callable<Integer> {
    @Mixin
    Options options;

    @Mixin
    GeneratedImages images;

    @Mixin
    FeatureOption features;

    @Option(names = "--splits", defaultValue = "10", paramLabel = "K", description = "Splits (default: ${DEFAULT-VALUE}, as the paper).")
    int splits;

    @Mixin
    Reports reports;

    @Override
    public Integer call() throws Exception {
        images.validate();
        if (splits < 1 || splits > images.n && images.source.model != null) {
            throw new UserException("--splits must be between 1 and --n, got " + splits);
        }
        reports.prepare();
        options.apply();
        try (FeatureExtractor j = features.load()) {
            ImageSet generated = images.load(j);
            if (generated.count() < splits) {
                throw new UserException(generated.count() + " images cannot be cut into " + splits + " splits");
            }
            InceptionScore.Score score = FeatureOption.extract(j, generated, "samples").score(splits);
            System.out.printf(Locale.ROOT, "IS %.4f ± %.4f  (%d images of %s, %d splits; %s)%n", score.mean(),
                    score.std(), generated.count(), images.describe(), splits, features.describe());
            ObjectNode o = reports.report(generated.count(), images.describe(), features);
            o.put("is", score.mean());
            o.put("is_std", score.std());
            o.put("splits", splits);
            reports.write(o);
        }
        return 0;
    }
}

package ddpm4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import ddpm4j.data.ImageSet;
import ddpm4j.eval.InceptionScore;
import ddpm4j.eval.FeatureExtractor;
import ddpm4j.eval.Features;
import ddpm4j.eval.Judge;
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
        try (ddpm4j.dist.Group group = Distributed.join(options); FeatureExtractor j = features.load(options.device())) {
            ImageSet generated = images.load(j, options, group);
            if (generated.count() < splits) {
                throw new UserException(generated.count() + " images cannot be cut into " + splits + " splits");
            }
            Features f = FeatureOption.extract(j, generated, "samples", group);
            if (!group.isMain()) {
                return 0; // rank 0 reports
            }
            InceptionScore.Score score = f.score(splits);
            System.out.printf(Locale.ROOT, "IS %.4f ± %.4f  (%d images of %s, %d splits; %s)%n", score.mean(),
                    score.std(), generated.count(), images.describe(), splits, features.describe());
            ObjectNode o = reports.report(generated.count(), images, features);
            o.put("is", score.mean());
            o.put("is_std", score.std());
            o.put("splits", splits);
            if (images.requestedClasses != null && j instanceof Judge && !images.conditioning.unguided()) {
                double agreement = classAgreement(f.predictions(), images.requestedClasses);
                System.out.printf(Locale.ROOT, "class agreement %.4f  (share of images the judge puts in the class they were sampled for)%n",
                        agreement);
                o.put("class_agreement", agreement);
            }
            reports.write(o);
        }
        return 0;
    }

    /** The share of images whose predicted class is the one asked for. */
    static double classAgreement(int[] predicted, int[] requested) {
        int same = 0;
        for (int i = 0; i < predicted.length; i++) {
            same += predicted[i] == requested[i] ? 1 : 0;
        }
        return same / (double) predicted.length;
    }
}

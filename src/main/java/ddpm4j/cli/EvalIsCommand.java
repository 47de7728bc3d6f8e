package ddpm4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import ddpm4j.data.ImageSet;
import ddpm4j.eval.InceptionScore;
import ddpm4j.eval.Judge;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code ddpm4j eval is}: the Inception Score with a judge's class probabilities. */
@Command(name = "is", mixinStandardHelpOptions = true,
        description = "Inception Score exp(E KL(p(y|x) || p(y))) of generated images with a judge classifier's class"
                + " probabilities, mean and standard deviation over splits. Higher is better; at most the number of classes.")
final class EvalIsCommand implements Callable<Integer> {
    @Mixin
    Options options;

    @Mixin
    GeneratedImages images;

    @Mixin
    JudgeOption judge;

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
        try (Judge j = judge.load()) {
            ImageSet generated = images.load(j.info());
            if (generated.count() < splits) {
                throw new UserException(generated.count() + " images cannot be cut into " + splits + " splits");
            }
            InceptionScore.Score score = JudgeOption.extract(j, generated, "samples").score(splits);
            System.out.printf(Locale.ROOT, "IS %.4f ± %.4f  (%d images of %s, %d splits; judge %s)%n", score.mean(),
                    score.std(), generated.count(), images.describe(), splits, judge.judge);
            ObjectNode o = reports.report(generated.count(), images.describe(), judge);
            o.put("is", score.mean());
            o.put("is_std", score.std());
            o.put("splits", splits);
            reports.write(o);
        }
        return 0;
    }
}

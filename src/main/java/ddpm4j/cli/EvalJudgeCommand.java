package ddpm4j.cli;

import ddpm4j.data.DataSpecs;
import ddpm4j.data.ImageSet;
import ddpm4j.eval.Judge;
import ddpm4j.eval.JudgeTraining;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code ddpm4j eval judge}: train the classifier that FID and IS use on small images. */
@Command(name = "judge", mixinStandardHelpOptions = true,
        description = "Train a judge: a small classifier of a labelled dataset's training split whose features and class"
                + " probabilities 'eval fid' and 'eval is' use (--judge OUT). Reports its accuracy on the test split.")
final class EvalJudgeCommand implements Callable<Integer> {
    @Mixin
    Options options;

    @Option(names = "--data", required = true, paramLabel = "SPEC", description = "Labelled training images, e.g. fashion-mnist:train, mnist:train, cifar10:train, an .npz with 'images' and 'labels'.")
    String data;

    @Option(names = "--test", paramLabel = "SPEC", description = "Labelled test images (default: the :test split of a named dataset).")
    String test;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where named datasets are looked for first.")
    Path dataDir;

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "Output judge directory." + Outputs.CREATES_FOLDERS)
    Path out;

    @Option(names = "--epochs", defaultValue = "3", paramLabel = "E", description = "Passes over the training images (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "128", paramLabel = "B", description = "Images per step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--lr", defaultValue = "1e-3", paramLabel = "LR", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "K", description = "Seed of initialisation and data order (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        JudgeTraining.Settings settings;
        try {
            settings = new JudgeTraining.Settings(epochs, batchSize, lr, seed);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
        String testSpec = test != null ? test : data.endsWith(":train") ? data.substring(0, data.length() - 6) + ":test" : null;
        if (Files.isRegularFile(out)) {
            throw new UserException(out + " is a file; --out names a directory");
        }
        options.apply();
        ImageSet train = DataSpecs.load(data, dataDir);
        ImageSet testSet = testSpec == null ? null : DataSpecs.load(testSpec, dataDir);
        if (!train.labelled()) {
            throw new UserException(data + " has no class labels (IDX label files, CIFAR-10 batches or an .npz 'labels' entry)");
        }
        if (testSet != null && !testSet.labelled()) {
            throw new UserException(testSpec + " has no class labels");
        }
        if (testSet != null && (testSet.height() != train.height() || testSet.width() != train.width()
                || testSet.channels() != train.channels())) {
            throw new UserException(testSpec + " holds " + testSet.height() + "x" + testSet.width() + "x" + testSet.channels()
                    + " images but " + data + " holds " + train.height() + "x" + train.width() + "x" + train.channels());
        }
        if (batchSize > train.count()) {
            throw new UserException("--batch-size " + batchSize + " exceeds the " + train.count() + " training images");
        }
        Judge judge;
        try (Progress progress = new Progress("train judge", (long) epochs * (train.count() / batchSize))) {
            judge = JudgeTraining.train(train, data, settings, options.device(), (step, steps, loss) -> progress.step(1));
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
        try (Judge j = testSet == null ? judge : judge.withTestAccuracy(judge.accuracy(testSet))) {
            j.save(out);
            double acc = j.info().testAccuracy();
            System.err.println("wrote judge " + out + (Double.isNaN(acc) ? "" : String.format(Locale.ROOT,
                    " (accuracy on %s: %.2f%%)", testSpec, 100 * acc)));
        }
        return 0;
    }
}

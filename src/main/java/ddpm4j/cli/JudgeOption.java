package ddpm4j.cli;

import ddpm4j.data.ImageSet;
import ddpm4j.eval.Judge;
import ddpm4j.io.Builtins;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** The {@code --judge} option of the sample-quality commands. */
final class JudgeOption {
    @Option(names = "--judge", defaultValue = "fashion-mnist", paramLabel = "DIR",
            description = "Judge whose features are compared: a directory made by 'eval judge', or the built-in"
                    + " fashion-mnist judge (default: ${DEFAULT-VALUE}).")
    Path judge;

    Judge load() throws IOException {
        return Judge.load(Builtins.resolve(Builtins.Kind.JUDGE, judge));
    }

    /** The judge's features of every image, with a progress bar. */
    static Judge.Features extract(Judge j, ImageSet images, String what) {
        try (Progress p = new Progress("features of " + what, images.count())) {
            return j.extract(images, p::step);
        } catch (IllegalArgumentException e) {
            throw new UserException(what + ": " + e.getMessage());
        }
    }
}

package ddpm4j.cli;

import ddpm4j.data.DataSpecs;
import ddpm4j.data.ImageSet;
import ddpm4j.eval.FeatureExtractor;
import ddpm4j.eval.Features;
import ddpm4j.eval.InceptionFeatures;
import ddpm4j.eval.Judge;
import ddpm4j.io.Builtins;
import ddpm4j.io.CacheDir;
import ddpm4j.torch.Device;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** {@code --features}, {@code --judge} and {@code --inception}: which network the sample-quality commands compare with. */
final class FeatureOption {
    enum Kind { judge, inception }

    static final String INCEPTION_FILE = InceptionFeatures.OFFICIAL_FILE;
    static final String INCEPTION_URL = "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/" + INCEPTION_FILE;

    @Option(names = "--features", defaultValue = "judge", paramLabel = "NAME",
            description = "judge (a small classifier, for 28x28 gray data) or inception (the standard FID/IS network)"
                    + " (default: ${DEFAULT-VALUE}).")
    Kind kind;

    @Option(names = "--judge", defaultValue = "fashion-mnist", paramLabel = "DIR",
            description = "With --features judge: a directory made by 'eval judge', or the built-in fashion-mnist judge"
                    + " (default: ${DEFAULT-VALUE}).")
    Path judge;

    @Option(names = "--inception", paramLabel = "FILE",
            description = "With --features inception: pytorch-fid's weights (default: ~/.cache/ddpm4j/" + INCEPTION_FILE
                    + "; download it once from " + INCEPTION_URL + ").")
    Path inception;

    /** The feature network, on {@code device}. */
    FeatureExtractor load(Device device) throws IOException {
        FeatureExtractor fx = open();
        try {
            return fx.to(device);
        } catch (RuntimeException e) {
            fx.close();
            throw e;
        }
    }

    private FeatureExtractor open() throws IOException {
        if (kind == Kind.judge) {
            return Judge.load(Builtins.resolve(Builtins.Kind.JUDGE, judge));
        }
        Path file = inception != null ? inception : CacheDir.root().resolve(INCEPTION_FILE);
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file + " (the FID Inception weights: download " + INCEPTION_URL + ")");
        }
        return InceptionFeatures.load(file);
    }

    /** What reports name the feature network by. */
    String describe() {
        return kind == Kind.judge ? "judge " + judge : "inception";
    }

    /** The features of every image, with a progress bar. */
    static Features extract(FeatureExtractor fx, ImageSet images, String what) {
        return extract(fx, images, what, ddpm4j.dist.Group.single());
    }

    /** As above with the batches dealt across the ranks of {@code group}; rank 0 shows the bar. */
    static Features extract(FeatureExtractor fx, ImageSet images, String what, ddpm4j.dist.Group group) {
        try {
            try (Progress p = Progress.forRank(group, "features of " + what, images.count())) {
                return fx.extract(images, b -> p.step(b * group.size()), group);
            }
        } catch (IllegalArgumentException e) {
            throw new UserException(what + ": " + e.getMessage());
        }
    }

    /**
     * The images of a SPEC as the extractor takes them: a folder's resized to the judge's size, or
     * at their own size for Inception, which resizes inside the network as pytorch-fid does (images
     * of mixed sizes are cropped and resized to 299 first).
     */
    static ImageSet images(FeatureExtractor fx, String spec) throws IOException {
        return DataSpecs.load(spec, null, fx.imageSize() > 0 ? fx.imageSize() : ddpm4j.data.ImageFolder.nativeOr(299));
    }
}

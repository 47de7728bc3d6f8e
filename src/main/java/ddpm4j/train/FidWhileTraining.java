package ddpm4j.train;

import ddpm4j.data.ImageSet;
import ddpm4j.data.ImageSource;
import ddpm4j.diffusion.Denoiser;
import ddpm4j.eval.FeatureExtractor;
import ddpm4j.eval.FeatureStatistics;
import ddpm4j.eval.Features;
import ddpm4j.eval.FrechetDistance;
import ddpm4j.eval.InceptionFeatures;
import ddpm4j.eval.Judge;
import ddpm4j.io.Builtins;
import ddpm4j.io.CacheDir;
import ddpm4j.io.Images;
import ddpm4j.nn.UNet2DModel;
import ddpm4j.sample.Conditioning;
import ddpm4j.sample.Generation;
import ddpm4j.sample.Samplers;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.torch.Precision;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The FID of a training run's EMA weights (Heusel et al. 2017): the same {@code count} seeded images sampled at every
 * evaluation (the sample grids' sampler, fp32), their features' Gaussian against that of the training images, in the
 * feature space of a judge classifier or of Inception-v3 ({@link TrainSettings#evalFeatures()}).
 */
final class FidWhileTraining implements AutoCloseable {
    private static final int BATCH = 50;

    private final FeatureExtractor features;
    private final ImageSource images;
    private final Path cache;
    private final TrainSettings settings;
    private final String name;
    private FeatureStatistics reference; // made at the first evaluation, or read from the cache

    private FidWhileTraining(FeatureExtractor features, ImageSource images, Path cache, TrainSettings settings, String name) {
        this.features = features;
        this.images = images;
        this.cache = cache;
        this.settings = settings;
        this.name = name;
    }

    /**
     * The scorer {@code settings} ask for, its feature network loaded and checked against the images; the reference
     * statistics of every image of {@code images} are made at the first evaluation and kept in {@code cache}, so that a
     * resumed run reads them.
     *
     * @throws IOException              when the feature network cannot be read
     * @throws IllegalArgumentException when it cannot score these images (the judge takes 28×28 gray ones)
     */
    static FidWhileTraining of(TrainSettings settings, ImageSource images, ddpm4j.torch.Device device, Path cache) throws IOException {
        String spec = settings.evalFeatures();
        int colon = spec.indexOf(':');
        String kind = colon < 0 ? spec : spec.substring(0, colon);
        String where = colon < 0 ? null : spec.substring(colon + 1);
        FeatureExtractor fx = switch (kind) {
            case "judge" -> Judge.load(Builtins.resolve(Builtins.Kind.JUDGE, Path.of(where == null ? "fashion-mnist" : where)));
            case "inception" -> {
                Path file = where != null ? Path.of(where) : CacheDir.root().resolve(InceptionFeatures.OFFICIAL_FILE);
                if (!Files.isRegularFile(file)) {
                    throw new NoSuchFileException(file + " (the FID Inception weights, pytorch-fid's " + InceptionFeatures.OFFICIAL_FILE + ")");
                }
                yield InceptionFeatures.load(file);
            }
            default -> throw new IllegalArgumentException("eval features '" + spec + "': judge[:DIR] or inception[:FILE]");
        };
        try {
            fx = fx.to(device);
            if (fx.imageSize() > 0 && (fx.imageSize() != images.height() || fx.imageSize() != images.width())
                    || fx.channels() > 0 && fx.channels() != images.channels()) {
                throw new IllegalArgumentException(fx.describe() + " scores " + fx.imageSize() + "x" + fx.imageSize() + "x" + fx.channels()
                        + " images, the data are " + images.height() + "x" + images.width() + "x" + images.channels()
                        + "; use inception (eval features inception[:FILE])");
            }
            return new FidWhileTraining(fx, images, cache, settings, kind.equals("judge") ? "judge_fid" : "fid");
        } catch (RuntimeException e) {
            fx.close();
            throw e;
        }
    }

    /** The name the metrics log gives the score: judge_fid or fid. */
    String name() {
        return name;
    }

    /** The FID of {@code ema}'s samples, drawn in fp32 whatever the run's precision. */
    double score(UNet2DModel ema, SchedulerConfig process) {
        Precision trained = ema.precision();
        ema.setPrecision(Precision.FP32);
        try {
            var config = ema.config();
            int c = config.inChannels();
            int s = config.sampleSize();
            Denoiser net = ema::infer;
            // image k of a class-conditional model is of class k mod classes, whichever batch it is in
            Generation.PerImages model = config.classConditional()
                    ? Conditioning.everyClass(config.nullLabel(), 1.0).perImages(ema::infer, c) : (first, count) -> net;
            int n = settings.evalImages();
            float[] samples = Generation.generateEach(model, ema.device(), Samplers.preview(process, settings.sampleSteps()), settings.seed(),
                    n, BATCH, new long[] {c, s, s}, null, k -> { });
            ImageSet drawn = new ImageSet(Images.toUint8Nhwc(samples, n, c, s, s), n, s, s, c);
            return FrechetDistance.between(features.extract(drawn, k -> { }).statistics(), reference());
        } finally {
            ema.setPrecision(trained);
        }
    }

    /** The training images' statistics: from the cache when a run made them before, else computed and cached. */
    private FeatureStatistics reference() {
        if (reference == null) {
            try {
                if (Files.isRegularFile(cache)) {
                    reference = FeatureStatistics.read(cache);
                } else {
                    reference = statistics(features, images);
                    Files.createDirectories(cache.getParent());
                    reference.write(cache);
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("the evaluations' reference statistics " + cache + ": " + e.getMessage(), e);
            }
        }
        return reference;
    }

    /** The features' statistics of every image of {@code images}, read a thousand at a time. */
    private static FeatureStatistics statistics(FeatureExtractor fx, ImageSource images) {
        int n = images.count();
        int chunk = 1000;
        float[] all = null;
        int d = 0;
        for (int first = 0; first < n; first += chunk) {
            int b = Math.min(chunk, n - first);
            byte[] px = Images.toUint8Nhwc(images.modelSpace(first, b), b, images.channels(), images.height(), images.width());
            Features f = fx.extract(new ImageSet(px, b, images.height(), images.width(), images.channels()), k -> { });
            if (all == null) {
                d = f.featureDim();
                all = new float[Math.multiplyExact(n, d)];
            }
            System.arraycopy(f.features(), 0, all, first * d, b * d);
        }
        return FeatureStatistics.of(all, n, d);
    }

    @Override
    public void close() {
        features.close();
    }
}

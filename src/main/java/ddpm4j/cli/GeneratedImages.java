package ddpm4j.cli;

import ddpm4j.data.DataSpecs;
import ddpm4j.data.ImageSet;
import ddpm4j.io.Images;
import ddpm4j.eval.FeatureExtractor;
import ddpm4j.io.Model;
import ddpm4j.io.Npy;
import ddpm4j.nn.UNetConfig;
import ddpm4j.sample.Samplers;
import ddpm4j.sample.Generation;
import ddpm4j.sample.Sampler;
import ddpm4j.torch.Device;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** The images a sample-quality command scores: sampled from a model, or read from a SPEC. */
final class GeneratedImages {
    static final class Source {
        @Option(names = "--model", paramLabel = "DIR", description = "Sample the images from this model directory (or the built-in fashion-mnist).")
        Path model;

        @Option(names = "--samples", paramLabel = "SPEC", description = "Score these images instead (uint8 .npy/.npz, a folder, a named dataset); 'eval fid' also takes"
                + " statistics written by 'eval stats' here.")
        String samples;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--n", defaultValue = "1000", paramLabel = "N", description = "Images to sample from --model (default: ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--save-samples", paramLabel = "OUT.npy",
            description = "Also keep the sampled images as uint8 [N,H,W,C]." + Outputs.CREATES_FOLDERS)
    Path saveSamples;

    @Mixin
    SamplerOptions sampling = new SamplerOptions(Samplers.DEFAULT);

    @Mixin
    ClassOptions conditioning;

    /** After {@link #load}: the class each image was sampled for, or null (unconditional model, or read images). */
    int[] requestedClasses;

    /** After {@link #load}: the arithmetic the images were sampled in, or null (read images). */
    ddpm4j.torch.Precision precision;

    /** Checks made before any work. */
    void validate() throws IOException {
        Checks.atLeast("--n", n, 1);
        sampling.validate();
        conditioning.validate();
        if (saveSamples != null) {
            if (source.model == null) {
                throw new UserException("--save-samples keeps images sampled from --model");
            }
            Outputs.extension(saveSamples, "--save-samples", List.of("npy"));
            Outputs.prepare(saveSamples);
        }
    }

    /** A short description for reports: the model and sampler, or the SPEC. */
    String describe() {
        if (source.samples != null) {
            return source.samples;
        }
        return source.model + " (" + sampling.describe() + conditioning.describe() + ")";
    }

    /** The images the judge will score, sampled with a progress bar or read (a folder's resized to the judge's size). */
    ImageSet load(FeatureExtractor fx, Options options) throws IOException {
        return load(fx, options, ddpm4j.dist.Group.single());
    }

    /** As above, the sampling dealt across the ranks of {@code group}; every rank gets every image, rank 0 writes --save-samples. */
    ImageSet load(FeatureExtractor fx, Options options, ddpm4j.dist.Group group) throws IOException {
        Device device = options.device();
        if (source.samples != null) {
            return FeatureOption.images(fx, source.samples);
        }
        try (Model m = ModelOption.load(source.model, device)) {
            UNetConfig c = m.unet().config();
            int size = c.sampleSize();
            if ((fx.imageSize() > 0 && size != fx.imageSize()) || (fx.channels() > 0 && c.inChannels() != fx.channels())) {
                throw new UserException(source.model + " makes " + size + "x" + size + "x" + c.inChannels()
                        + " images but the " + fx.describe() + " takes " + fx.imageSize() + "x" + fx.imageSize() + "x" + fx.channels());
            }
            precision = options.precision(ddpm4j.torch.PrecisionRule.Work.SAMPLING);
            m.unet().setPrecision(precision);
            Sampler s = sampling.build(m.scheduler());
            requestedClasses = c.classConditional() ? conditioning.classesOf(m, sampling.firstImage, n) : null;
            int ch = c.inChannels();
            float[] x;
            try (Progress progress = Progress.forRank(group, "sample",
                    (long) ddpm4j.dist.ShardedBatches.imagesOf(n, sampling.batch.value, 0, group.size()) * s.passes())) {
                x = Generation.generateEach(sampling.network(conditioning.network(m)), m.device(), s, sampling.noise(), n, sampling.batch.value, new long[] {ch, size, size},
                        null, progress::step, group);
            }
            byte[] pixels = Images.toUint8Nhwc(x, n, ch, size, size);
            if (saveSamples != null && group.isMain()) {
                Npy.writeBytes(saveSamples, new long[] {n, size, size, ch}, pixels);
            }
            return new ImageSet(pixels, n, size, size, ch);
        }
    }
}

package ddpm4j.cli;

import ddpm4j.io.Model;
import ddpm4j.io.Npy;
import ddpm4j.sample.Samplers;
import ddpm4j.sample.DenoisingAnimation;
import ddpm4j.sample.Generation;
import ddpm4j.sample.NoiseSource;
import ddpm4j.sample.TracedSampler;
import ddpm4j.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import ddpm4j.schedule.SchedulerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code ddpm4j sample}: generate images with the reverse process. */
@Command(name = "sample", mixinStandardHelpOptions = true,
        description = {"Generate images from a model with any of diffusers' schedulers: the paper's ancestral sampling (Algorithm 2), DDIM, the fast solvers.",
                "OUT.png is a grid; OUT.npy holds uint8 [N,H,W,C] images, or with --raw the float32"
                        + " [N,C,H,W] samples in model space; OUT.gif animates the denoising (x_t left, the"
                        + " prediction x0 right; at most 64 images)."})
final class SampleCommand implements Callable<Integer> {
    private static final int MAX_GIF_IMAGES = 64;

    @Mixin
    Options options;

    @Mixin
    ModelOption model;

    @Mixin
    SamplerOptions sampling = new SamplerOptions(Samplers.DEFAULT);

    @Mixin
    ClassOptions conditioning;

    @Option(names = "--n", paramLabel = "N", description = "Number of images (default: 16, or as many as --noise holds).")
    Integer n;

    @Option(names = "--noise", paramLabel = "XT.npy|torch|per-image",
            description = "Start from this float32 [N,C,H,W] x_T instead of seeded noise; or torch / per-image, the same as --generator.")
    String noiseOption;

    private Path noise;

    @Option(names = "--raw", description = "Write float32 [N,C,H,W] model-space samples (.npy only).")
    boolean raw;

    @Option(names = "--out", required = true, paramLabel = "OUT",
            description = "Output file: .png grid, .npy or .gif animation." + Outputs.CREATES_FOLDERS)
    Path out;

    @Override
    public Integer call() throws Exception {
        String ext = Outputs.extension(out, "--out", List.of("png", "npy", "gif"));
        if (raw && !ext.equals("npy")) {
            throw new UserException("--raw writes model-space arrays and needs an .npy output");
        }
        Checks.atLeast("--n", n, 1);
        if (ext.equals("gif") && n != null && n > MAX_GIF_IMAGES) {
            throw new UserException("an animation shows at most " + MAX_GIF_IMAGES + " images, got --n " + n);
        }
        if (noiseOption != null && SamplerOptions.GENERATORS.contains(noiseOption)) {
            sampling.generator = noiseOption;
        } else if (noiseOption != null) {
            noise = Path.of(noiseOption);
            if (sampling.firstImage > 0) {
                throw new UserException("--first-image picks seeded noise; " + noise + " gives x_T itself");
            }
        }
        sampling.validate();
        conditioning.validate();
        options.apply();
        Npy.Array start = noise == null ? null : Npy.read(noise).requireFinite(noise);
        Outputs.prepare(out);
        try (ddpm4j.dist.Group group = Distributed.join(options); Model m = model.load(options)) {
            SchedulerConfig sc = m.scheduler();
            int channels = m.unet().config().inChannels();
            long[] imageShape = {channels, m.unet().config().sampleSize(), m.unet().config().sampleSize()};
            int count = n == null ? 16 : n;
            if (start != null) {
                long[] s = start.shape();
                if (s.length != 4 || s[1] != channels) {
                    throw new UserException(noise + ": expected [N," + channels + ",H,W], got " + Arrays.toString(s));
                }
                if (s[0] == 0) {
                    throw new UserException(noise + ": holds no images (shape " + Arrays.toString(s) + ")");
                }
                if (n != null && n != s[0]) {
                    throw new UserException("--n " + n + " disagrees with the " + s[0] + " images in " + noise);
                }
                count = (int) s[0];
                imageShape = new long[] {s[1], s[2], s[3]};
            }
            TracedSampler s = sampling.build(sc);
            if (ext.equals("gif")) {
                if (group.isMain()) { // one batch: rank 0 draws it
                    animate(m, s, start, Math.min(count, MAX_GIF_IMAGES), imageShape);
                }
                return 0;
            }
            float[] result = run(m, s, start, count, imageShape, group);
            if (group.isMain()) {
                write(result, count, imageShape, ext);
            }
        }
        return 0;
    }

    /** One batch sampled while every step is drawn into the GIF. */
    private void animate(Model m, TracedSampler s, Npy.Array start, int count, long[] imageShape) throws java.io.IOException {
        try (PointerScope scope = new PointerScope(); Progress progress = new Progress("sample", (long) count * s.passes())) {
            NoiseSource noise = sampling.noise().batch(0, count, imageShape);
            Tensor xT = noise.next(m.device());
            if (start != null) {
                xT = m.device().put(Tensors.fromFloats(Arrays.copyOf(start.toFloats(), count * (int) Tensors.count(imageShape)),
                        count, imageShape[0], imageShape[1], imageShape[2]));
            }
            int zoom = Math.max(1, 64 / (int) imageShape[1]);
            DenoisingAnimation.write(out, s, sampling.network(conditioning.network(m)).of(0, count), xT, noise, zoom, (done, total) -> progress.step(count));
        }
        System.err.println("wrote an animation of " + count + " images to " + out);
    }

    private float[] run(Model m, TracedSampler s, Npy.Array start, int count, long[] imageShape, ddpm4j.dist.Group group) {
        try (Progress progress = Progress.forRank(group, "sample",
                (long) ddpm4j.dist.ShardedBatches.imagesOf(count, sampling.batch.value, 0, group.size()) * s.passes())) {
            return Generation.generateEach(sampling.network(conditioning.network(m)), m.device(), s, sampling.noise(), count, sampling.batch.value, imageShape,
                    start == null ? null : start.toFloats(), progress::step, group);
        }
    }

    private void write(float[] samples, int count, long[] imageShape, String ext) throws java.io.IOException {
        int c = (int) imageShape[0];
        int h = (int) imageShape[1];
        int w = (int) imageShape[2];
        Outputs.writeImages(out, ext, raw, samples, count, c, h, w);
        if (!raw) {
            System.err.println("wrote " + count + " images to " + out);
        }
    }
}

package ddpm4j.cli;

import ddpm4j.diffusion.GaussianDiffusion;
import ddpm4j.io.Images;
import ddpm4j.io.Model;
import ddpm4j.io.Npy;
import ddpm4j.sample.AncestralSampler;
import ddpm4j.sample.DdimSampler;
import ddpm4j.sample.NoiseSource;
import ddpm4j.sample.Sampler;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code ddpm4j sample}: generate images with the reverse process. */
@Command(name = "sample", mixinStandardHelpOptions = true,
        description = {"Generate images from a model with ancestral sampling (Algorithm 2) or DDIM.",
                "OUT.png is a grid; OUT.npy holds uint8 [N,H,W,C] images, or with --raw the float32"
                        + " [N,C,H,W] samples in model space."})
final class SampleCommand implements Callable<Integer> {
    enum Kind { ancestral, ddim }

    @Mixin
    Options options;

    @Mixin
    ModelOption model;

    @Option(names = "--sampler", defaultValue = "ancestral", paramLabel = "NAME",
            description = "ancestral (Algorithm 2, all T steps) or ddim (default: ${DEFAULT-VALUE}).")
    Kind sampler;

    @Option(names = "--steps", paramLabel = "S", description = "DDIM steps, leading spacing (default: 50).")
    Integer steps;

    @Option(names = "--eta", paramLabel = "E", description = "DDIM noise scale: 0 deterministic, 1 ancestral-like (default: 0).")
    Double eta;

    @Option(names = "--n", paramLabel = "N", description = "Number of images (default: 16, or as many as --noise holds).")
    Integer n;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "K", description = "Random seed; image k's noise depends only on (K, k) (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--batch-size", defaultValue = "16", paramLabel = "B", description = "Images per network call (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--noise", paramLabel = "XT.npy", description = "Start from this float32 [N,C,H,W] x_T instead of seeded noise.")
    Path noise;

    @Option(names = "--clip", negatable = true, description = "Clip the predicted x0 to [-1,1] at each step (default: the scheduler's clip_sample).")
    Boolean clip;

    @Option(names = "--raw", description = "Write float32 [N,C,H,W] model-space samples (.npy only).")
    boolean raw;

    @Option(names = "--out", required = true, paramLabel = "OUT", description = "Output file: .png grid or .npy.")
    Path out;

    @Override
    public Integer call() throws Exception {
        String ext = Outputs.extension(out, "--out", List.of("png", "npy"));
        if (raw && !ext.equals("npy")) {
            throw new UserException("--raw writes model-space arrays and needs an .npy output");
        }
        if (batchSize < 1) {
            throw new UserException("--batch-size must be at least 1, got " + batchSize);
        }
        if (n != null && n < 1) {
            throw new UserException("--n must be at least 1, got " + n);
        }
        if (sampler == Kind.ancestral && eta != null) {
            throw new UserException("--eta applies to --sampler ddim only");
        }
        if (eta != null && !(eta >= 0 && Double.isFinite(eta))) {
            throw new UserException("--eta must be a non-negative number, got " + eta);
        }
        options.apply();
        Npy.Array start = noise == null ? null : Npy.read(noise);
        Outputs.prepare(out);
        try (Model m = model.load()) {
            SchedulerConfig sc = m.scheduler();
            int channels = m.unet().config().inChannels();
            long[] imageShape = {channels, m.unet().config().sampleSize(), m.unet().config().sampleSize()};
            int count = n == null ? 16 : n;
            if (start != null) {
                long[] s = start.shape();
                if (s.length != 4 || s[1] != channels) {
                    throw new UserException(noise + ": expected [N," + channels + ",H,W], got " + Arrays.toString(s));
                }
                if (n != null && n != s[0]) {
                    throw new UserException("--n " + n + " disagrees with the " + s[0] + " images in " + noise);
                }
                count = (int) s[0];
                imageShape = new long[] {s[1], s[2], s[3]};
            }
            Sampler s = buildSampler(sc);
            float[] result = run(m, s, start, count, imageShape);
            write(result, count, imageShape, ext);
        }
        return 0;
    }

    private Sampler buildSampler(SchedulerConfig sc) {
        GaussianDiffusion diffusion = GaussianDiffusion.of(sc);
        boolean clipping = clip == null ? sc.clipSample() : clip;
        int total = sc.numTrainTimesteps();
        if (sampler == Kind.ancestral) {
            if (steps != null && steps != total) {
                throw new UserException("ancestral sampling runs all " + total
                        + " steps; use --sampler ddim for fewer steps");
            }
            return new AncestralSampler(diffusion, clipping, sc.clipSampleRange());
        }
        int s = steps == null ? Math.min(50, total) : steps;
        if (s < 1 || s > total) {
            throw new UserException("--steps must be in [1, " + total + "], got " + s);
        }
        return new DdimSampler(diffusion, s, eta == null ? 0.0 : eta, clipping, sc.clipSampleRange());
    }

    private float[] run(Model m, Sampler s, Npy.Array start, int count, long[] imageShape) {
        int per = Math.toIntExact(Tensors.count(imageShape));
        float[] startValues = start == null ? null : start.toFloats();
        float[] result = new float[count * per];
        try (Progress progress = new Progress("sample", (long) count * s.steps())) {
            for (int first = 0; first < count; first += batchSize) {
                int b = Math.min(batchSize, count - first);
                try (PointerScope scope = new PointerScope()) {
                    NoiseSource source = new NoiseSource(seed, first, b, imageShape);
                    Tensor xT = source.next();
                    if (startValues != null) {
                        xT = Tensors.fromFloats(Arrays.copyOfRange(startValues, first * per, (first + b) * per),
                                b, imageShape[0], imageShape[1], imageShape[2]);
                    }
                    Tensor x0 = s.sample(m.unet()::infer, xT, source, (done, total) -> progress.step(b));
                    float[] v = Tensors.toFloats(x0);
                    System.arraycopy(v, 0, result, first * per, v.length);
                }
            }
        }
        return result;
    }

    private void write(float[] samples, int count, long[] imageShape, String ext) throws java.io.IOException {
        int c = (int) imageShape[0];
        int h = (int) imageShape[1];
        int w = (int) imageShape[2];
        if (raw) {
            Npy.writeFloats(out, new long[] {count, c, h, w}, samples);
            return;
        }
        byte[] images = Images.toUint8Nhwc(samples, count, c, h, w);
        if (ext.equals("npy")) {
            Npy.writeBytes(out, new long[] {count, h, w, c}, images);
        } else {
            Images.writeGrid(out, images, count, h, w, c);
        }
        System.err.println("wrote " + count + " images to " + out);
    }
}

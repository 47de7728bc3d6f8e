package ddpm4j.cli;

import ddpm4j.data.DataSpecs;
import ddpm4j.data.ImageSet;
import ddpm4j.io.Images;
import ddpm4j.io.Model;
import ddpm4j.sample.DenoisingAnimation;
import ddpm4j.sample.Editing;
import ddpm4j.sample.Noise;
import ddpm4j.sample.NoiseSource;
import ddpm4j.sample.StepListener;
import ddpm4j.sample.Trajectory;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** What the edit commands share: the images in, the model's size and colours, and the results out. */
final class EditOptions {
    @Option(names = "--image", required = true, paramLabel = "IN",
            description = "The images to edit: a PNG or JPEG file, a folder of them, a uint8 .npy/.npz, or a dataset such as"
                    + " fashion-mnist:test. Image files are center-cropped and resized to the model's size and turned gray or RGB as it takes.")
    String image;

    @Option(names = "--index", defaultValue = "0", paramLabel = "K", description = "The first image of IN taken (default: ${DEFAULT-VALUE}).")
    int index;

    @Option(names = "--limit", paramLabel = "N", description = "At most N images from --index on (default: all).")
    Integer limit;

    @Option(names = "--compare", description = "PNG output: one row per image, the input (and, inpainting, the masked input) before the results.")
    boolean compare;

    @Option(names = "--raw", description = "Write float32 [N,C,H,W] model-space results (.npy only).")
    boolean raw;

    @Option(names = "--out", required = true, paramLabel = "OUT",
            description = "Output: .png (one image, or a grid), .npy (uint8 [N,H,W,C]) or .gif (the denoising of the first"
                    + " images, at most " + EditOptions.MAX_GIF_IMAGES + ")." + Outputs.CREATES_FOLDERS)
    Path out;

    static final int MAX_GIF_IMAGES = 64;

    private String ext;
    private int sourceCount;

    /** Checks the values that do not depend on the model; returns the output's extension. */
    String validate() {
        ext = Outputs.extension(out, "--out", List.of("png", "npy", "gif"));
        if (raw && !ext.equals("npy")) {
            throw new UserException("--raw writes model-space arrays and needs an .npy output");
        }
        if (compare && !ext.equals("png")) {
            throw new UserException("--compare lays out a PNG and needs a .png output");
        }
        Checks.atLeast("--index", index, 0);
        Checks.atLeast("--limit", limit, 1);
        return ext;
    }

    /** How many images --image holds (after {@link #images}). */
    int sourceCount() {
        return sourceCount;
    }

    boolean gif() {
        return ext.equals("gif");
    }

    /** The images asked for, at the model's size and in its colours. */
    ImageSet images(Model m) throws IOException {
        int c = m.unet().config().inChannels();
        if (c != 1 && c != 3) {
            throw new UserException("the model takes " + c + "-channel images; edits read gray or RGB images only");
        }
        ImageSet set = read(image, "--image", m, c);
        if (index >= set.count()) {
            throw new UserException(image + " holds " + set.count() + " images; --index " + index + " is out of range");
        }
        sourceCount = set.count();
        int n = Math.min(limit == null ? set.count() : limit, set.count() - index);
        if (gif()) {
            n = Math.min(n, MAX_GIF_IMAGES);
        }
        int per = set.height() * set.width() * set.channels();
        byte[] pixels = java.util.Arrays.copyOfRange(set.pixels(), index * per, (index + n) * per);
        return new ImageSet(pixels, n, set.height(), set.width(), set.channels());
    }

    /** The images of {@code spec}, read for {@code option}: resized to the model's size if files, in {@code c} channels. */
    static ImageSet read(String spec, String option, Model m, int c) throws IOException {
        int size = m.unet().config().sampleSize();
        String lower = spec.toLowerCase(java.util.Locale.ROOT);
        if (lower.matches(".*\\.(png|jpe?g|npy|npz)") && !java.nio.file.Files.isRegularFile(Path.of(spec))) {
            throw new UserException(option + ": no such file " + spec);
        }
        ImageSet set;
        try {
            set = DataSpecs.load(spec, null, size);
        } catch (IllegalArgumentException e) {
            throw new UserException(option + ": " + e.getMessage());
        }
        if (set.count() == 0) {
            throw new UserException(option + ": " + spec + " holds no images");
        }
        if (set.height() != size || set.width() != size) {
            throw new UserException(option + ": " + spec + " holds " + set.height() + "x" + set.width() + " images but the model takes "
                    + size + "x" + size + " (image files are resized; arrays and datasets are not)");
        }
        return set.withChannels(c);
    }

    /** An edit of one batch, run while its steps are drawn. */
    @FunctionalInterface
    interface Edit {
        Tensor run(Tensor x0, NoiseSource noise, StepListener listener, Trajectory trajectory);
    }

    /**
     * Runs {@code edit} on the images as one batch and writes the GIF of its steps (x_t left, x̂₀ right, the
     * input first).
     *
     * @param positions the loop positions the trajectory counts to
     * @param passes    the network passes each image takes, for the progress bar
     */
    void animate(Model m, Editing.Images images, Noise noise, String task, int positions, int passes, Edit edit) throws IOException {
        int count = images.count();
        long[] shape = images.imageShape();
        try (PointerScope scope = new PointerScope(); Progress progress = new Progress(task, (long) count * passes)) {
            NoiseSource source = noise.batch(0, count, shape);
            Tensor x0 = images.batch(m.device(), 0, count);
            int zoom = Math.max(1, 64 / (int) shape[1]);
            DenoisingAnimation.write(out, x0, x0, positions, trajectory -> edit.run(x0, source, (d, t) -> progress.step(count), trajectory), zoom);
        }
        System.err.println("wrote an animation of " + count + " images to " + out);
    }

    /** Images in model space, for the library. */
    static Editing.Images modelSpace(ImageSet set) {
        return new Editing.Images(set.modelSpace(0, set.count()), set.count(), new long[] {set.channels(), set.height(), set.width()});
    }

    /**
     * Writes the results: {@code results} holds {@code perImage} model-space results of each input image in turn;
     * {@code shown} the columns --compare puts before them (each as many images as the inputs).
     */
    void write(float[] results, int perImage, ImageSet inputs, List<float[]> shown) throws IOException {
        int c = inputs.channels();
        int h = inputs.height();
        int w = inputs.width();
        int count = inputs.count() * perImage;
        if (compare) {
            int per = c * h * w;
            int cols = shown.size() + perImage;
            float[][] rows = new float[inputs.count()][];
            for (int i = 0; i < rows.length; i++) {
                float[][] parts = new float[cols][];
                for (int k = 0; k < shown.size(); k++) {
                    parts[k] = java.util.Arrays.copyOfRange(shown.get(k), i * per, (i + 1) * per);
                }
                parts[shown.size()] = java.util.Arrays.copyOfRange(results, i * perImage * per, (i + 1) * perImage * per);
                rows[i] = Figures.concat(java.util.Arrays.copyOf(parts, shown.size() + 1));
            }
            Figures.writeTable(out, rows, cols, c, h);
            return;
        } else if (perImage > 1 && ext.equals("png")) { // a row of results per image
            Images.writeTable(out, Images.toUint8Nhwc(results, count, c, h, w), count, perImage, h, w, c, 1);
        } else {
            Outputs.writeImages(out, ext, raw, results, count, c, h, w);
        }
        System.err.println("wrote " + count + " images to " + out);
    }
}

package ddpm4j.cli;

import ddpm4j.data.DataSpecs;
import ddpm4j.data.ImageSet;
import ddpm4j.io.Images;
import ddpm4j.io.Model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** What the figure commands share: paper timesteps, source images, and tables of images. */
final class Figures {
    private Figures() {
    }

    /** Paper timesteps t ∈ [1, T] as 0-based network steps t − 1. */
    static int[] networkSteps(List<Integer> paperSteps, int total, String option) {
        int[] out = new int[paperSteps.size()];
        for (int i = 0; i < out.length; i++) {
            int t = paperSteps.get(i);
            if (t < 1 || t > total) {
                throw new UserException(option + " values must be in [1, " + total + "] (the paper's t), got " + t);
            }
            out[i] = t - 1;
        }
        return out;
    }

    /** {@code count} network steps (0-based) spread evenly from T−1 down to 0. */
    static int[] evenlySpaced(int total, int count) {
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            out[i] = count == 1 ? total - 1 : (int) Math.round(total - i * (total - 1) / (double) (count - 1)) - 1;
        }
        return out;
    }

    /** Network steps (0-based) at the paper's t = q·T/4 for each quarter q, at least the first step. */
    static int[] fractions(int total, int... quarters) {
        int[] out = new int[quarters.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.max(quarters[i] * total / 4 - 1, 0);
        }
        return out;
    }

    /** The images of a SPEC, checked to be what the model takes. */
    static ImageSet images(String spec, Model m) throws IOException {
        int size = m.unet().config().sampleSize();
        ImageSet set = DataSpecs.load(spec, null, size);
        Checks.channels(spec, set.channels(), m.unet().config().inChannels());
        if (set.height() != size || set.width() != size) {
            throw new UserException(spec + ": images are " + set.height() + "x" + set.width() + "x" + set.channels()
                    + " but the model takes " + size + "x" + size + "x" + m.unet().config().inChannels());
        }
        return set;
    }

    static void checkIndex(ImageSet set, int index, String spec) {
        if (index < 0 || index >= set.count()) {
            throw new UserException(spec + " holds " + set.count() + " images; index " + index + " is out of range");
        }
    }

    /** Model-space rows of images (each row's images concatenated, NCHW) as a PNG table. */
    static void writeTable(Path out, float[][] rows, int cols, int c, int size) throws IOException {
        int per = c * size * size;
        float[] all = new float[rows.length * cols * per];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, all, r * cols * per, cols * per);
        }
        int n = rows.length * cols;
        int zoom = Math.max(1, 64 / size);
        Images.writeTable(out, Images.toUint8Nhwc(all, n, c, size, size), n, cols, size, size, c, zoom);
        System.err.println("wrote " + out);
    }

    /** Concatenates model-space image arrays. */
    static float[] concat(float[]... parts) {
        int len = 0;
        for (float[] p : parts) {
            len += p.length;
        }
        float[] out = new float[len];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}

package ddpm4j.data;

/**
 * Images a training run reads by index: in memory ({@link ImageSet}) or read from disk as they are
 * asked for ({@link NpyImages}), so that a dataset larger than memory trains with only the batches in
 * flight held.
 */
public interface ImageSource extends AutoCloseable {
    int count();

    int height();

    int width();

    /** 1 (gray) or 3 (RGB). */
    int channels();

    /** A class index per image, or null for unlabelled images. */
    int[] labels();

    default boolean labelled() {
        return labels() != null;
    }

    /** Number of classes: one more than the largest label (0 when unlabelled). */
    default int classCount() {
        int max = -1;
        if (labels() != null) {
            for (int l : labels()) {
                max = Math.max(max, l);
            }
        }
        return max + 1;
    }

    /**
     * Images {@code first .. first+n−1} in model space: float32 NCHW values x/127.5 − 1 in [−1, 1]
     * (the original code's data scaling).
     */
    float[] modelSpace(int first, int n);

    /** Releases what reading holds open (nothing for images in memory). */
    @Override
    default void close() {
    }

    /** NHWC uint8 pixels of {@code n} images in model space, as {@link #modelSpace} returns them. */
    static float[] toModelSpace(byte[] pixels, int offset, int n, int height, int width, int channels) {
        int hw = height * width;
        float[] out = new float[n * channels * hw];
        for (int i = 0; i < n; i++) {
            int base = offset + i * hw * channels;
            for (int p = 0; p < hw; p++) {
                for (int ch = 0; ch < channels; ch++) {
                    out[(i * channels + ch) * hw + p] = (pixels[base + p * channels + ch] & 0xff) / 127.5f - 1f;
                }
            }
        }
        return out;
    }
}

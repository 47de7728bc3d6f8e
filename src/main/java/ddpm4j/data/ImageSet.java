package ddpm4j.data;

/**
 * 8-bit images in memory, NHWC.
 *
 * @param pixels   n·h·w·c bytes, image by image, row by row, channels interleaved
 * @param count    number of images
 * @param height   rows
 * @param width    columns
 * @param channels 1 (gray) or 3 (RGB)
 * @param labels   a class index per image, or null for unlabelled images
 */
public record ImageSet(byte[] pixels, int count, int height, int width, int channels, int[] labels) implements ImageSource {
    public ImageSet {
        if (count < 0 || height < 1 || width < 1 || channels < 1
                || (long) count * height * width * channels != pixels.length) {
            throw new IllegalArgumentException("pixels do not hold " + count + " images of " + height + "x" + width
                    + "x" + channels);
        }
        if (labels != null && labels.length != count) {
            throw new IllegalArgumentException(labels.length + " labels for " + count + " images");
        }
    }

    /** Unlabelled images. */
    public ImageSet(byte[] pixels, int count, int height, int width, int channels) {
        this(pixels, count, height, width, channels, null);
    }

    /**
     * The same images with {@code c} channels: gray repeated into R, G and B, or RGB turned gray as PIL's
     * {@code convert("L")} does (ITU-R 601 luma, 0.299 R + 0.587 G + 0.114 B, rounded).
     */
    public ImageSet withChannels(int c) {
        if (c == channels) {
            return this;
        }
        int hw = height * width;
        byte[] out = new byte[count * hw * c];
        for (int p = 0; p < count * hw; p++) {
            if (c == 3 && channels == 1) {
                out[3 * p] = out[3 * p + 1] = out[3 * p + 2] = pixels[p];
            } else if (c == 1 && channels == 3) {
                int r = pixels[3 * p] & 0xff;
                int g = pixels[3 * p + 1] & 0xff;
                int b = pixels[3 * p + 2] & 0xff;
                out[p] = (byte) ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
            } else {
                throw new IllegalArgumentException("cannot turn " + channels + "-channel images into " + c + "-channel ones");
            }
        }
        return new ImageSet(out, count, height, width, c, labels);
    }

    /** The same images with a class index each. */
    public ImageSet withLabels(int[] classes) {
        return new ImageSet(pixels, count, height, width, channels, classes);
    }

    @Override
    public float[] modelSpace(int first, int n) {
        return ImageSource.toModelSpace(pixels, first * height * width * channels, n, height, width, channels);
    }

    /** The first {@code n} images (all when there are fewer). */
    public ImageSet limit(int n) {
        if (n >= count) {
            return this;
        }
        return new ImageSet(java.util.Arrays.copyOf(pixels, n * height * width * channels), n, height, width, channels,
                labels == null ? null : java.util.Arrays.copyOf(labels, n));
    }
}

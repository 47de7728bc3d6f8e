package ddpm4j.io;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

/** Conversions between model space and 8-bit images, and PNG grids. */
public final class Images {
    private Images() {
    }

    /**
     * Model-space values in [−1, 1], NCHW, to uint8 NHWC: round((x + 1)·127.5) clipped to
     * [0, 255].
     */
    public static byte[] toUint8Nhwc(float[] nchw, int n, int c, int h, int w) {
        byte[] out = new byte[n * h * w * c];
        for (int i = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        float v = nchw[((i * c + ch) * h + y) * w + x];
                        long q = Math.round((v + 1.0) * 127.5);
                        out[((i * h + y) * w + x) * c + ch] = (byte) Math.max(0, Math.min(255, q));
                    }
                }
            }
        }
        return out;
    }

    /**
     * Writes uint8 NHWC images (1 or 3 channels) as one PNG grid, ⌈√n⌉ columns, separated by
     * 2-pixel gaps.
     */
    public static void writeGrid(Path file, byte[] nhwc, int n, int h, int w, int c) throws IOException {
        writeGrid(file, nhwc, n, h, w, c, 1);
    }

    /** {@link #writeGrid(Path, byte[], int, int, int, int)} with each pixel scaled up {@code zoom} times. */
    public static void writeGrid(Path file, byte[] nhwc, int n, int h, int w, int c, int zoom) throws IOException {
        writePng(file, grid(nhwc, n, h, w, c, zoom));
    }

    /** uint8 NHWC images laid out row by row in {@code cols} columns (a figure's rows and columns). */
    public static void writeTable(Path file, byte[] nhwc, int n, int cols, int h, int w, int c, int zoom) throws IOException {
        writePng(file, grid(nhwc, n, cols, h, w, c, zoom));
    }

    /**
     * The bytes of model-space images as {@code sample --out} writes them: with {@code raw} the float32 [N,C,H,W] .npy,
     * else uint8 images, [N,H,W,C] in an .npy ({@code ext} npy) or a PNG grid ({@code ext} png).
     */
    public static byte[] encode(String ext, boolean raw, float[] images, int count, int c, int h, int w) {
        if (raw) {
            return Npy.encodeFloats(new long[] {count, c, h, w}, images);
        }
        byte[] pixels = toUint8Nhwc(images, count, c, h, w);
        return ext.equals("npy") ? Npy.encodeBytes(new long[] {count, h, w, c}, pixels) : png(grid(pixels, count, h, w, c, 1));
    }

    /** An image's PNG bytes. */
    public static byte[] png(BufferedImage img) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, "png", out)) {
                throw new IllegalStateException("no PNG writer available");
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // a memory stream does not fail
        }
        return out.toByteArray();
    }

    /** Writes an image as PNG, atomically. */
    public static void writePng(Path file, BufferedImage img) throws IOException {
        AtomicFiles.write(file, out -> {
            if (!ImageIO.write(img, "png", out)) {
                throw new IOException("no PNG writer available");
            }
        });
    }

    /** uint8 NHWC images (1 or 3 channels) as one grid image, ⌈√n⌉ columns, 2-pixel gaps, each pixel scaled up {@code zoom} times. */
    public static BufferedImage grid(byte[] nhwc, int n, int h, int w, int c, int zoom) {
        return grid(nhwc, n, (int) Math.ceil(Math.sqrt(n)), h, w, c, zoom);
    }

    /** One uint8 HWC image (1 or 3 channels) as it is: a gray image stays gray (8-bit), a colour one RGB. */
    public static BufferedImage image(byte[] hwc, int h, int w, int c) {
        if (c == 1) {
            BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
            img.getRaster().setDataElements(0, 0, w, h, java.util.Arrays.copyOf(hwc, h * w));
            return img;
        }
        return grid(hwc, 1, 1, h, w, c, 1, 0);
    }

    /** uint8 NHWC images as a grid of {@code cols} columns, 2-pixel gaps, each pixel scaled up {@code zoom} times. */
    public static BufferedImage grid(byte[] nhwc, int n, int cols, int h, int w, int c, int zoom) {
        return grid(nhwc, n, cols, h, w, c, zoom, 2);
    }

    private static BufferedImage grid(byte[] nhwc, int n, int cols, int h, int w, int c, int zoom, int gap) {
        if (c != 1 && c != 3) {
            throw new IllegalArgumentException("an image grid needs 1 or 3 channels, got " + c);
        }
        if (cols < 1) {
            throw new IllegalArgumentException("a grid needs at least one column");
        }
        int rows = (n + cols - 1) / cols;
        int zh = h * zoom;
        int zw = w * zoom;
        BufferedImage img = new BufferedImage(cols * (zw + gap) + gap, rows * (zh + gap) + gap, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < n; i++) {
            int ox = gap + (i % cols) * (zw + gap);
            int oy = gap + (i / cols) * (zh + gap);
            for (int y = 0; y < zh; y++) {
                for (int x = 0; x < zw; x++) {
                    int base = ((i * h + y / zoom) * w + x / zoom) * c;
                    int r = nhwc[base] & 0xff;
                    int g = c == 3 ? nhwc[base + 1] & 0xff : r;
                    int b = c == 3 ? nhwc[base + 2] & 0xff : r;
                    img.setRGB(ox + x, oy + y, (r << 16) | (g << 8) | b);
                }
            }
        }
        return img;
    }
}

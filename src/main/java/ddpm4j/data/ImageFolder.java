package ddpm4j.data;

import ddpm4j.io.FormatException;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * A folder of PNG/JPEG images (searched recursively, in name order), each center-cropped to a
 * square and resized to {@code size}×{@code size}, or kept at their native size when they all share
 * one ({@link #nativeOr}); grayscale when every image is, else RGB. Each image is decoded, converted and
 * dropped in turn: memory holds the pixels only ({@link #read}), or nothing until a batch asks ({@link #open}).
 */
public final class ImageFolder {
    /** The {@code size} argument that keeps the images' own size if they share one, else resizes to {@code fallback}. */
    public static int nativeOr(int fallback) {
        if (fallback < 1) {
            throw new IllegalArgumentException("image size must be positive");
        }
        return -fallback;
    }

    private ImageFolder() {
    }

    public static ImageSet read(Path dir, int size) throws IOException {
        Layout layout = scan(dir, size, true);
        return new ImageSet(layout.pixels, layout.files.size(), layout.height, layout.width, layout.gray ? 1 : 3);
    }

    /**
     * The images of {@code dir} read as they are asked for ({@link ImageSource#modelSpace}): one pass decodes each
     * image to learn the size and whether all are gray, keeping nothing, then each batch decodes its own.
     */
    public static ImageSource open(Path dir, int size) throws IOException {
        Layout layout = scan(dir, size, false);
        int h = layout.height;
        int w = layout.width;
        int c = layout.gray ? 1 : 3;
        List<Path> files = layout.files;
        boolean own = layout.own;
        return new ImageSource() {
            @Override
            public int count() {
                return files.size();
            }

            @Override
            public int height() {
                return h;
            }

            @Override
            public int width() {
                return w;
            }

            @Override
            public int channels() {
                return c;
            }

            @Override
            public int[] labels() {
                return null;
            }

            @Override
            public float[] modelSpace(int first, int n) {
                byte[] pixels = new byte[n * h * w * c];
                for (int i = 0; i < n; i++) {
                    try {
                        byte[] rgb = rgb(decode(files.get(first + i)), own, h);
                        store(rgb, c == 1, pixels, i * h * w * c);
                    } catch (FormatException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
                return ImageSource.toModelSpace(pixels, 0, n, h, w, c);
            }
        };
    }

    /** What a pass over a folder finds: the files, the size and colour they are read as, and (eager) the pixels. */
    private record Layout(List<Path> files, int height, int width, boolean gray, boolean own, byte[] pixels) {
    }

    /** One pass over the images; {@code keep}: with their pixels (RGB, or gray when every image is). */
    private static Layout scan(Path dir, int size, boolean keep) throws IOException {
        if (size == 0) {
            throw new IllegalArgumentException("image size must be positive");
        }
        boolean own = size < 0;
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).filter(ImageFolder::isImage).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new FormatException(dir, "holds no .png, .jpg or .jpeg images");
        }
        byte[] rgb = null;
        int h = size;
        int w = size;
        boolean gray = true;
        for (int i = 0; i < files.size(); i++) {
            BufferedImage img = decode(files.get(i));
            gray &= isGray(img);
            if (own) {
                if (i == 0) {
                    h = img.getHeight();
                    w = img.getWidth();
                } else if (img.getHeight() != h || img.getWidth() != w) {
                    return scan(dir, -size, keep); // mixed sizes: all cropped and resized to the fallback
                }
            }
            if (keep) {
                if (rgb == null) {
                    long bytes = (long) files.size() * h * w * 3;
                    if (bytes > Integer.MAX_VALUE - 64) {
                        throw new FormatException(dir, files.size() + " images of " + w + "x" + h + " take " + bytes
                                + " bytes, more than one array holds (2 GB); use fewer or smaller images, or an .npy file");
                    }
                    rgb = new byte[(int) bytes];
                }
                System.arraycopy(rgb(img, own, size), 0, rgb, i * h * w * 3, h * w * 3);
            }
        }
        if (gray && rgb != null) {
            byte[] g = new byte[rgb.length / 3];
            store(rgb, true, g, 0);
            rgb = g;
        }
        return new Layout(files, h, w, gray, own, rgb);
    }

    /** An image's RGB bytes, row by row: gray as stored, alpha dropped, center-cropped and resized unless {@code own}. */
    private static byte[] rgb(BufferedImage img, boolean own, int size) {
        if (isGray(img)) {
            img = grayAsStored(img);
        } else if (img.getColorModel().hasAlpha()) {
            img = withoutAlpha(img);
        }
        if (!own) {
            img = cropAndResize(img, size);
        }
        int h = img.getHeight();
        int w = img.getWidth();
        byte[] out = new byte[h * w * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = img.getRGB(x, y);
                int at = (y * w + x) * 3;
                out[at] = (byte) (p >> 16);
                out[at + 1] = (byte) (p >> 8);
                out[at + 2] = (byte) p;
            }
        }
        return out;
    }

    /** RGB bytes into {@code out} at {@code offset}: as they are, or one channel each when gray (R = G = B). */
    private static void store(byte[] rgb, boolean gray, byte[] out, int offset) {
        if (!gray) {
            System.arraycopy(rgb, 0, out, offset, rgb.length);
            return;
        }
        for (int i = 0; i < rgb.length / 3; i++) {
            out[offset + i] = rgb[3 * i + 2];
        }
    }

    /** Images with more pixels than this are refused before they are decoded. */
    static final long MAX_PIXELS = 1L << 24;

    /**
     * One encoded PNG or JPEG image (an upload), decoded; refused as a folder's image would be.
     *
     * @param name what the image is called in errors
     */
    public static BufferedImage decode(byte[] encoded, String name, long maxPixels) throws FormatException {
        Path file = Path.of(name);
        try (ImageInputStream in = ImageIO.createImageInputStream(new java.io.ByteArrayInputStream(encoded))) {
            return decode(in, file, maxPixels);
        } catch (FormatException e) {
            throw e;
        } catch (IOException e) {
            throw new FormatException(file, "unreadable image: " + e.getMessage());
        }
    }

    /**
     * An image as a folder's image is read: gray as stored, alpha dropped, center-cropped and resized to size×size
     * unless it is that size already; one channel if gray, else three.
     */
    public static ImageSet toImageSet(BufferedImage img, int size) {
        boolean gray = isGray(img);
        boolean own = img.getWidth() == size && img.getHeight() == size;
        byte[] rgb = rgb(img, own, size);
        byte[] pixels = new byte[gray ? rgb.length / 3 : rgb.length];
        store(rgb, gray, pixels, 0);
        return new ImageSet(pixels, 1, size, size, gray ? 1 : 3);
    }

    private static BufferedImage decode(Path file) throws FormatException {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            return decode(in, file, MAX_PIXELS);
        } catch (FormatException e) {
            throw e;
        } catch (IOException e) {
            throw new FormatException(file, "unreadable image: " + e.getMessage());
        }
    }

    private static BufferedImage decode(ImageInputStream in, Path file, long maxPixels) throws FormatException {
        BufferedImage img;
        try {
            Iterator<ImageReader> readers = in == null ? java.util.Collections.emptyIterator() : ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new FormatException(file, "unreadable image (not a PNG or JPEG)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > maxPixels) {
                    throw new FormatException(file, "is " + reader.getWidth(0) + "x" + reader.getHeight(0)
                            + ", more than " + maxPixels + " pixels");
                }
                img = CmykJpeg.is(reader) ? CmykJpeg.read(reader, file) : reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (FormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new FormatException(file, "unreadable image: " + e.getMessage());
        }
        if (img == null || img.getWidth() < 1 || img.getHeight() < 1) {
            throw new FormatException(file, "unreadable image");
        }
        return img;
    }

    /**
     * A gray image's stored values as RGB with R = G = B. Java 2D's own conversion ({@code getRGB},
     * {@code drawImage}) treats gray as linear light and brightens it (10 becomes 56).
     */
    private static BufferedImage grayAsStored(BufferedImage img) {
        var raster = img.getRaster();
        int bits = img.getColorModel().getComponentSize(0);
        BufferedImage out = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int v = raster.getSample(x, y, 0) >> Math.max(0, bits - 8);
                out.setRGB(x, y, v << 16 | v << 8 | v);
            }
        }
        return out;
    }

    /**
     * The stored colours with the alpha channel dropped, as PIL's {@code convert("RGB")} does (and so
     * pytorch-fid); without this, resizing would composite transparent pixels onto black while the
     * native size kept their stored colour.
     */
    private static BufferedImage withoutAlpha(BufferedImage img) {
        BufferedImage out = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                out.setRGB(x, y, img.getRGB(x, y) & 0xffffff);
            }
        }
        return out;
    }

    private static boolean isGray(BufferedImage img) {
        return img.getColorModel().getNumColorComponents() == 1 && !(img.getColorModel() instanceof java.awt.image.IndexColorModel);
    }

    private static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
    }

    /** The central square of {@code img}, scaled to size×size with bilinear interpolation. */
    static BufferedImage cropAndResize(BufferedImage img, int size) {
        int side = Math.min(img.getWidth(), img.getHeight());
        int x0 = (img.getWidth() - side) / 2;
        int y0 = (img.getHeight() - side) / 2;
        BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, size, size, x0, y0, x0 + side, y0 + side, null);
        g.dispose();
        return out;
    }
}

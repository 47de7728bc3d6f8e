package ddpm4j.data;

import ddpm4j.io.FormatException;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * A folder of PNG/JPEG images (searched recursively, in name order), each center-cropped to a
 * square and resized to {@code size}×{@code size}; grayscale when every image is, else RGB.
 */
public final class ImageFolder {
    private ImageFolder() {
    }

    public static ImageSet read(Path dir, int size) throws IOException {
        if (size < 1) {
            throw new IllegalArgumentException("image size must be positive");
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).filter(ImageFolder::isImage).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new FormatException(dir, "holds no .png, .jpg or .jpeg images");
        }
        BufferedImage[] scaled = new BufferedImage[files.size()];
        boolean gray = true;
        for (int i = 0; i < files.size(); i++) {
            BufferedImage img;
            try {
                img = ImageIO.read(files.get(i).toFile());
            } catch (IOException | RuntimeException e) {
                throw new FormatException(files.get(i), "unreadable image: " + e.getMessage());
            }
            if (img == null || img.getWidth() < 1 || img.getHeight() < 1) {
                throw new FormatException(files.get(i), "unreadable image");
            }
            gray &= img.getColorModel().getNumColorComponents() == 1;
            scaled[i] = cropAndResize(img, size);
        }
        int c = gray ? 1 : 3;
        byte[] pixels = new byte[files.size() * size * size * c];
        for (int i = 0; i < scaled.length; i++) {
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    int rgb = scaled[i].getRGB(x, y);
                    int base = ((i * size + y) * size + x) * c;
                    if (gray) {
                        pixels[base] = (byte) (rgb & 0xff);
                    } else {
                        pixels[base] = (byte) (rgb >> 16);
                        pixels[base + 1] = (byte) (rgb >> 8);
                        pixels[base + 2] = (byte) rgb;
                    }
                }
            }
        }
        return new ImageSet(pixels, files.size(), size, size, c);
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

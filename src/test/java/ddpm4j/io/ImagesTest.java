package ddpm4j.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ImagesTest {
    @Test
    void modelSpaceMapsOntoBytes() {
        // one image, 2 channels of 2 pixels: NCHW [1,2,1,2] → NHWC [1,1,2,2]
        float[] x = {-1f, 1f, 0f, 2f};
        byte[] b = Images.toUint8Nhwc(x, 1, 2, 1, 2);
        assertArrayEquals(new byte[] {0, (byte) 128, (byte) 255, (byte) 255}, b);
        assertArrayEquals(new byte[] {0}, Images.toUint8Nhwc(new float[] {-5f}, 1, 1, 1, 1));
    }

    @Test
    void gridPlacesImagesInRows(@TempDir Path dir) throws Exception {
        int n = 5;
        int h = 3;
        int w = 4;
        byte[] px = new byte[n * h * w * 3];
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < h * w; p++) {
                px[(i * h * w + p) * 3] = (byte) (10 * i); // red channel encodes the image index
            }
        }
        Path f = dir.resolve("g.png");
        Images.writeGrid(f, px, n, h, w, 3);
        BufferedImage img = ImageIO.read(f.toFile());
        // ⌈√5⌉ = 3 columns, 2 rows, 2-pixel gaps
        assertEquals(3 * (w + 2) + 2, img.getWidth());
        assertEquals(2 * (h + 2) + 2, img.getHeight());
        assertEquals(40, (img.getRGB(2 + (w + 2) + 1, 2 + (h + 2) + 1) >> 16) & 0xff, "image 4 at row 1, column 1");
    }
}

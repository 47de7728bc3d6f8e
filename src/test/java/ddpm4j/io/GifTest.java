package ddpm4j.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class GifTest {
    @Test
    void framesComeBackInOrder(@TempDir Path dir) throws Exception {
        List<BufferedImage> frames = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            BufferedImage f = new BufferedImage(6, 4, BufferedImage.TYPE_INT_RGB);
            f.setRGB(i, 0, 0xffffff); // a white pixel that moves right
            frames.add(f);
        }
        Path gif = dir.resolve("a.gif");
        Gif.write(gif, frames, 100, 1000);
        ImageReader reader = ImageIO.getImageReadersByFormatName("gif").next();
        try (ImageInputStream in = ImageIO.createImageInputStream(gif.toFile())) {
            reader.setInput(in);
            assertEquals(5, reader.getNumImages(true));
            for (int i = 0; i < 5; i++) {
                BufferedImage back = reader.read(i);
                assertEquals(6, back.getWidth());
                assertEquals(0xffffff, back.getRGB(i, 0) & 0xffffff, "frame " + i);
                assertEquals(0, back.getRGB((i + 1) % 6, 0) & 0xffffff);
            }
        }
    }
}

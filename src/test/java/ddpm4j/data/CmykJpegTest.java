package ddpm4j.data;

import ddpm4j.io.FormatException;
import ddpm4j.io.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CMYK JPEGs give the pixels PIL reads from them (fixtures: reference/cmyk_jpeg.py, Pillow 9.4). */
class CmykJpegTest {
    private static final Path FIXTURES = Path.of("src/test/resources/reference/cmyk");

    @TempDir
    Path dir;

    @Test
    void cmykJpegsReadAsPilReadsThem() throws Exception {
        for (String name : new String[] {"cmyk-adobe", "cmyk-plain"}) {
            Path folder = dir.resolve(name);
            Files.createDirectories(folder);
            Files.copy(FIXTURES.resolve(name + ".jpg"), folder.resolve("a.jpg"));
            ImageSet set = ImageFolder.read(folder, ImageFolder.nativeOr(4));
            Npy.Array pil = Npy.read(FIXTURES.resolve(name + ".pil-rgb.npy"));
            assertArrayEquals(new long[] {12, 20, 3}, pil.shape());
            assertEquals(12, set.height(), name);
            assertEquals(20, set.width(), name);
            assertEquals(3, set.channels(), name);
            byte[] expected = new byte[(int) pil.count()];
            pil.data().duplicate().get(expected);
            assertArrayEquals(expected, set.pixels(), name + ": every byte as PIL's convert(\"RGB\")");
        }
    }

    @Test
    void ycckIsRefusedNamingTheFile() throws Exception {
        Path folder = dir.resolve("ycck");
        Files.createDirectories(folder);
        Files.copy(FIXTURES.resolve("ycck.jpg"), folder.resolve("b.jpg"));
        FormatException e = assertThrows(FormatException.class, () -> ImageFolder.read(folder, ImageFolder.nativeOr(4)));
        assertTrue(e.getMessage().contains("b.jpg") && e.getMessage().contains("YCCK"), e.getMessage());
    }
}

package ddpm4j.data;

import ddpm4j.io.FormatException;
import ddpm4j.io.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

public class DataSpecsTest {
    @TempDir
    Path dir;

    /** Keeps the tests off the network and out of the user's cache: downloads go to a closed local port. */
    @org.junit.jupiter.api.BeforeEach
    void hermetic() {
        System.setProperty("ddpm4j.mirror", "http://127.0.0.1:9");
        System.setProperty("ddpm4j.cache", dir.resolve("cache").toString());
    }

    @org.junit.jupiter.api.AfterEach
    void restore() {
        System.clearProperty("ddpm4j.mirror");
        System.clearProperty("ddpm4j.cache");
    }

    public static byte[] idx(int magic, int n, int rows, int cols, byte[] pixels) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(magic);
        out.writeInt(n);
        out.writeInt(rows);
        out.writeInt(cols);
        out.write(pixels);
        return bytes.toByteArray();
    }

    static void gzip(Path file, byte[] data) throws Exception {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(data);
        }
    }

    @Test
    void namedIdxDatasetsResolveFromTheDataDirGzippedOrNot() throws Exception {
        byte[] train = new byte[2 * 3 * 4];
        for (int i = 0; i < train.length; i++) {
            train[i] = (byte) (i * 10);
        }
        Path fm = Files.createDirectories(dir.resolve("fashion-mnist"));
        gzip(fm.resolve("train-images-idx3-ubyte.gz"), idx(0x803, 2, 3, 4, train));
        ImageSet a = DataSpecs.load("fashion-mnist:train", dir);
        assertEquals(2, a.count());
        assertEquals(3, a.height());
        assertEquals(4, a.width());
        assertEquals(1, a.channels());
        assertArrayEquals(train, a.pixels());
        assertEquals(a.count(), DataSpecs.load("fashion-mnist", dir).count(), "the split defaults to train");
        assertTrue(!a.labelled(), "no label file, no labels");
        ByteArrayOutputStream labels = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(labels);
        out.writeInt(0x801);
        out.writeInt(2);
        out.write(new byte[] {9, 4});
        gzip(fm.resolve("train-labels-idx1-ubyte.gz"), labels.toByteArray());
        assertArrayEquals(new int[] {9, 4}, DataSpecs.load("fashion-mnist:train", dir).labels());
        assertEquals(10, DataSpecs.load("fashion-mnist:train", dir).classCount());
        Files.write(fm.resolve("train-labels-idx1-ubyte.gz"), idx(0x803, 2, 1, 1, new byte[2]));
        FormatException wrong = assertThrows(FormatException.class, () -> DataSpecs.load("fashion-mnist:train", dir));
        assertTrue(wrong.getMessage().contains("label file"), wrong.getMessage());

        Files.write(dir.resolve("t10k-images-idx3-ubyte"), idx(0x803, 1, 3, 4, new byte[12]));
        assertEquals(1, DataSpecs.load("mnist:test", dir).count(), "DIR itself is searched, uncompressed files too");
    }

    @Test
    void badIdxFilesNameTheFile() throws Exception {
        Path fm = Files.createDirectories(dir.resolve("mnist"));
        Path f = fm.resolve("train-images-idx3-ubyte");
        Files.write(f, idx(0x801, 2, 3, 4, new byte[24]));
        FormatException e = assertThrows(FormatException.class, () -> DataSpecs.load("mnist:train", dir));
        assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains("magic 0x00000801"), e.getMessage());
        Files.write(f, idx(0x803, 2, 3, 4, new byte[10]));
        e = assertThrows(FormatException.class, () -> DataSpecs.load("mnist:train", dir));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        Files.delete(f);
        Files.write(fm.resolve("train-images-idx3-ubyte.gz"), new byte[] {0x1f, (byte) 0x8b, 1, 2, 3});
        e = assertThrows(FormatException.class, () -> DataSpecs.load("mnist:train", dir));
        assertTrue(e.getMessage().contains("gzip") || e.getMessage().contains("truncated"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DataSpecs.load("mnist:valid", dir));
        assertThrows(IllegalArgumentException.class, () -> DataSpecs.load("imagenet:train", dir));
        NoSuchFileException missing = assertThrows(DatasetNotFoundException.class, () -> DataSpecs.load("mnist:test", dir.resolve("empty")));
        assertTrue(missing.getMessage().contains("t10k-images") && !missing.getMessage().contains("--"), missing.getMessage()); // the CLI adds its flag
    }

    @Test
    void npyImagesInGrayAndColour() throws Exception {
        Path rgb = dir.resolve("rgb.npy");
        byte[] px = new byte[2 * 2 * 2 * 3];
        px[3] = (byte) 255;
        Npy.writeBytes(rgb, new long[] {2, 2, 2, 3}, px);
        ImageSet a = DataSpecs.load(rgb.toString());
        assertEquals(3, a.channels());
        // NHWC pixel 1 of image 0, red channel → NCHW index (0·3 + 0)·4 + 1
        float[] m = a.modelSpace(0, 1);
        assertEquals(1f, m[1]);
        assertEquals(-1f, m[0]);
        Path gray = dir.resolve("gray.npy");
        Npy.writeBytes(gray, new long[] {3, 2, 2}, new byte[12]);
        assertEquals(1, DataSpecs.load(gray.toString()).channels());
        Npy.writeBytes(gray, new long[] {0, 2, 2}, new byte[0]);
        assertThrows(FormatException.class, () -> DataSpecs.load(gray.toString()));
    }

    /** Training reads .npy files and folders from disk by index: the same values as loading them whole. */
    @Test
    void readingByIndexGivesWhatLoadingGives() throws Exception {
        Path npy = dir.resolve("many.npy");
        byte[] px = new byte[7 * 3 * 4 * 3];
        new java.util.Random(2).nextBytes(px);
        Npy.writeBytes(npy, new long[] {7, 3, 4, 3}, px);
        ImageSet loaded = DataSpecs.load(npy.toString());
        try (ImageSource read = DataSpecs.open(npy.toString(), null, 0)) {
            assertTrue(read instanceof NpyImages);
            assertEquals(List.of(7, 3, 4, 3), List.of(read.count(), read.height(), read.width(), read.channels()));
            for (int first = 0; first < 7; first++) {
                for (int n = 0; first + n <= 7; n++) {
                    assertArrayEquals(loaded.modelSpace(first, n), read.modelSpace(first, n), first + "+" + n);
                }
            }
            assertThrows(IndexOutOfBoundsException.class, () -> read.modelSpace(6, 2));
        }
        Files.write(npy, java.util.Arrays.copyOf(Files.readAllBytes(npy), (int) Files.size(npy) - 1)); // cut short
        FormatException cut = assertThrows(FormatException.class, () -> DataSpecs.open(npy.toString(), null, 0));
        assertTrue(cut.getMessage().contains("needs"), cut.getMessage());

        Path folder = Files.createDirectories(dir.resolve("mixed"));
        java.util.Random r = new java.util.Random(4);
        for (int i = 0; i < 4; i++) {
            java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(6 + i, 5, i == 2
                    ? java.awt.image.BufferedImage.TYPE_INT_ARGB : java.awt.image.BufferedImage.TYPE_INT_RGB);
            for (int x = 0; x < img.getWidth(); x++) {
                for (int y = 0; y < 5; y++) {
                    img.setRGB(x, y, r.nextInt());
                }
            }
            javax.imageio.ImageIO.write(img, "png", folder.resolve("i" + i + ".png").toFile());
        }
        for (int size : new int[] {4, ImageFolder.nativeOr(3)}) {
            ImageSet whole = DataSpecs.load(folder.toString(), null, size);
            try (ImageSource read = DataSpecs.open(folder.toString(), null, size)) {
                assertEquals(List.of(whole.count(), whole.height(), whole.width(), whole.channels()),
                        List.of(read.count(), read.height(), read.width(), read.channels()));
                assertArrayEquals(whole.modelSpace(0, whole.count()), read.modelSpace(0, read.count()));
                assertArrayEquals(whole.modelSpace(2, 1), read.modelSpace(2, 1));
            }
        }
    }

    @Test
    void npzWithOneOrNamedArrays() throws Exception {
        Path npz = dir.resolve("d.npz");
        byte[] px = new byte[2 * 4 * 4];
        px[5] = 9;
        try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(npz))) {
            for (String name : new String[] {"labels", "images"}) {
                Path tmp = dir.resolve(name + ".npy");
                Npy.writeBytes(tmp, name.equals("images") ? new long[] {2, 4, 4} : new long[] {2}, name.equals("images") ? px : new byte[] {3, 7});
                zip.putNextEntry(new java.util.zip.ZipEntry(name + ".npy"));
                zip.write(Files.readAllBytes(tmp));
                zip.closeEntry();
            }
        }
        ImageSet a = DataSpecs.load(npz.toString());
        assertEquals(2, a.count());
        assertEquals(9, a.pixels()[5]);
        assertArrayEquals(new int[] {3, 7}, a.labels());
        Path bad = dir.resolve("bad.npz");
        Files.write(bad, new byte[] {1, 2, 3});
        FormatException e = assertThrows(FormatException.class, () -> DataSpecs.load(bad.toString()));
        assertTrue(e.getMessage().startsWith(bad.toString()), e.getMessage());
    }

    @Test
    void cifar10BinaryBatchesBecomeRgbImages() throws Exception {
        Path batches = Files.createDirectories(dir.resolve("cifar10").resolve("cifar-10-batches-bin"));
        byte[] record = new byte[3073 * 2];
        record[0] = 3;
        record[1] = (byte) 200;        // image 0, red plane, pixel 0
        record[1 + 1024 + 1] = 100;    // green plane, pixel 1
        record[3073] = 7;
        record[3073 + 1 + 2048 + 1023] = 50; // image 1, blue plane, last pixel
        Files.write(batches.resolve("test_batch.bin"), record);
        ImageSet a = DataSpecs.load("cifar10:test", dir);
        assertEquals(2, a.count());
        assertEquals(32, a.height());
        assertEquals(3, a.channels());
        assertEquals(200, a.pixels()[0] & 0xff);
        assertEquals(100, a.pixels()[3 + 1] & 0xff);
        assertEquals(50, a.pixels()[(1024 + 1023) * 3 + 2] & 0xff);
        assertArrayEquals(new int[] {3, 7}, a.labels());
        Files.write(batches.resolve("test_batch.bin"), new byte[3000]);
        FormatException e = assertThrows(FormatException.class, () -> DataSpecs.load("cifar10:test", dir));
        assertTrue(e.getMessage().contains("3073-byte"), e.getMessage());
        assertThrows(NoSuchFileException.class, () -> DataSpecs.load("cifar10:train", dir));
    }

    @Test
    void folderImagesAreCroppedAndResized() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("pics").resolve("sub"));
        java.awt.image.BufferedImage wide = new java.awt.image.BufferedImage(30, 10, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int x = 10; x < 20; x++) {
            for (int y = 0; y < 10; y++) {
                wide.setRGB(x, y, 0xff0000); // the central square is red
            }
        }
        javax.imageio.ImageIO.write(wide, "png", folder.resolve("a.png").toFile());
        javax.imageio.ImageIO.write(wide, "jpg", dir.resolve("pics").resolve("b.jpg").toFile());
        ImageSet a = DataSpecs.load(dir.resolve("pics").toString(), null, 5);
        assertEquals(2, a.count());
        assertEquals(5, a.width());
        assertEquals(3, a.channels());
        assertTrue((a.pixels()[0] & 0xff) > 200 && (a.pixels()[1] & 0xff) < 60, "red after the crop");
        Path empty = Files.createDirectories(dir.resolve("empty"));
        FormatException e = assertThrows(FormatException.class, () -> DataSpecs.load(empty.toString(), null, 5));
        assertTrue(e.getMessage().contains("holds no .png"), e.getMessage());
        Files.writeString(empty.resolve("broken.png"), "not a png");
        e = assertThrows(FormatException.class, () -> DataSpecs.load(empty.toString(), null, 5));
        assertTrue(e.getMessage().startsWith(empty.resolve("broken.png").toString()), e.getMessage());
    }

    /** Native size keeps pixels exactly (gray as stored, not colour-converted); mixed sizes fall back to resizing. */
    @Test
    void folderImagesAtTheirOwnSize() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("gray"));
        java.awt.image.BufferedImage g = new java.awt.image.BufferedImage(4, 3, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        for (int x = 0; x < 4; x++) {
            for (int y = 0; y < 3; y++) {
                g.getRaster().setSample(x, y, 0, 10 * x + 60 * y);
            }
        }
        javax.imageio.ImageIO.write(g, "png", folder.resolve("a.png").toFile());
        javax.imageio.ImageIO.write(g, "png", folder.resolve("b.png").toFile());
        ImageSet a = DataSpecs.load(folder.toString(), null, ImageFolder.nativeOr(6));
        assertEquals(2, a.count());
        assertEquals(3, a.height());
        assertEquals(4, a.width());
        assertEquals(1, a.channels());
        for (int i = 0; i < 24; i++) {
            int x = i % 4;
            int y = i / 4 % 3;
            assertEquals(10 * x + 60 * y, a.pixels()[i] & 0xff, "pixel " + i);
        }
        ImageSet square = DataSpecs.load(folder.toString(), null, 3); // the central 3x3, not rescaled
        assertEquals(70, square.pixels()[4] & 0xff);
        javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(5, 3, java.awt.image.BufferedImage.TYPE_INT_RGB), "png",
                folder.resolve("c.png").toFile());
        ImageSet mixed = DataSpecs.load(folder.toString(), null, ImageFolder.nativeOr(6));
        assertEquals(3, mixed.count());
        assertEquals(6, mixed.height(), "mixed sizes are resized to the fallback");
        assertEquals(6, mixed.width());
    }

    /** Alpha is dropped, as PIL's convert("RGB") does, whether the images keep their size or are resized. */
    @Test
    void folderImagesDropAlphaAtTheirOwnSizeAndResized() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("rgba"));
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(4, 4, java.awt.image.BufferedImage.TYPE_INT_ARGB);
        for (int x = 0; x < 4; x++) {
            for (int y = 0; y < 4; y++) {
                img.setRGB(x, y, (x * 60) << 24 | 200 << 16 | 100 << 8 | 50); // alpha 0, 60, 120, 180 by column
            }
        }
        javax.imageio.ImageIO.write(img, "png", folder.resolve("a.png").toFile());
        for (ImageSet set : new ImageSet[] {DataSpecs.load(folder.toString(), null, ImageFolder.nativeOr(4)),
                DataSpecs.load(folder.toString(), null, 4)}) {
            assertEquals(3, set.channels());
            for (int p = 0; p < 16; p++) {
                assertEquals(200, set.pixels()[3 * p] & 0xff, "red of pixel " + p);
                assertEquals(100, set.pixels()[3 * p + 1] & 0xff, "green of pixel " + p);
                assertEquals(50, set.pixels()[3 * p + 2] & 0xff, "blue of pixel " + p);
            }
        }
    }
}

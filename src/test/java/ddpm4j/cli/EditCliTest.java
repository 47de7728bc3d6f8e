package ddpm4j.cli;

import ddpm4j.data.DataSpecs;
import ddpm4j.data.ImageSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code edit img2img} and {@code edit inpaint} on the built-in model, as a user types them. */
class EditCliTest {
    private static final String MODEL = "fashion-mnist";

    @TempDir
    Path dir;

    private static ImageSet read(Path npy) throws Exception {
        return DataSpecs.load(npy.toString());
    }

    private static ImageSet testImages(int first, int n) throws Exception {
        ImageSet all = DataSpecs.load("fashion-mnist:test");
        int per = 28 * 28;
        return new ImageSet(Arrays.copyOfRange(all.pixels(), first * per, (first + n) * per), n, 28, 28, 1);
    }

    /** A 28×28 gray mask: white (keep) where {@code keep} says, by column. */
    private Path mask(String name, java.util.function.IntPredicate keepColumn) throws Exception {
        BufferedImage m = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                m.getRaster().setSample(x, y, 0, keepColumn.test(x) ? 255 : 0);
            }
        }
        Path p = dir.resolve(name);
        ImageIO.write(m, "png", p.toFile());
        return p;
    }

    @Test
    void img2imgAtStrengthZeroReturnsTheImagesAndAtOneSamplesAsSampleDoes() throws Exception {
        Path out = dir.resolve("edits.npy");
        Cli r = Cli.run("edit", "img2img", "--model", MODEL, "--image", "fashion-mnist:test", "--index", "5", "--limit", "3",
                "--strength", "0,0.5,1", "--steps", "6", "--seed", "7", "--out", out.toString());
        assertEquals(0, r.exit, r.toString());
        ImageSet edits = read(out);
        assertEquals(9, edits.count());
        Path sampled = dir.resolve("sampled.npy");
        Cli s = Cli.run("sample", "--model", MODEL, "--n", "3", "--steps", "6", "--seed", "7", "--out", sampled.toString());
        assertEquals(0, s.exit, s.toString());
        byte[] inputs = testImages(5, 3).pixels();
        byte[] samples = read(sampled).pixels();
        int per = 28 * 28;
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(Arrays.copyOfRange(inputs, i * per, (i + 1) * per), image(edits, 3 * i), "strength 0, image " + i);
            assertArrayEquals(Arrays.copyOfRange(samples, i * per, (i + 1) * per), image(edits, 3 * i + 2), "strength 1, image " + i);
            assertNotEquals(Arrays.toString(image(edits, 3 * i)), Arrays.toString(image(edits, 3 * i + 1)), "strength 0.5 changes image " + i);
        }
    }

    private static byte[] image(ImageSet set, int k) {
        int per = set.height() * set.width() * set.channels();
        return Arrays.copyOfRange(set.pixels(), k * per, (k + 1) * per);
    }

    @Test
    void inpaintingKeepsTheKnownPixelsAndFillsTheRest() throws Exception {
        Path left = mask("left.png", x -> x >= 14); // the left half is inpainted
        Path out = dir.resolve("inpainted.npy");
        Path json = dir.resolve("report.json");
        Cli r = Cli.run("edit", "inpaint", "--model", MODEL, "--image", "fashion-mnist:test", "--limit", "3", "--mask", left.toString(),
                "--steps", "10", "--jump-length", "3", "--jump-n-sample", "2", "--out", out.toString(), "--json", json.toString());
        assertEquals(0, r.exit, r.toString());
        ImageSet inpainted = read(out);
        ImageSet inputs = testImages(0, 3);
        int changed = 0;
        for (int i = 0; i < inputs.pixels().length; i++) {
            if (i % 28 >= 14) {
                assertEquals(inputs.pixels()[i], inpainted.pixels()[i], "kept pixel " + i);
            } else if (inputs.pixels()[i] != inpainted.pixels()[i]) {
                changed++;
            }
        }
        assertTrue(changed > 100, changed + " inpainted pixels differ from the input");
        String report = Files.readString(json);
        assertTrue(report.contains("\"known_mse\" : 0.0,") && report.contains("\"network_passes\" : 19"), report);

        Path all = mask("all.png", x -> true);
        Path same = dir.resolve("same.npy");
        Cli keep = Cli.run("edit", "inpaint", "--model", MODEL, "--image", "fashion-mnist:test", "--limit", "3", "--mask", all.toString(),
                "--steps", "10", "--jump-length", "3", "--jump-n-sample", "2", "--out", same.toString());
        assertEquals(0, keep.exit, keep.toString());
        assertArrayEquals(inputs.pixels(), read(same).pixels(), "a mask keeping everything returns the input");

        Path inverted = dir.resolve("inverted.npy"); // --invert-mask with the right half black is the same mask
        Cli inv = Cli.run("edit", "inpaint", "--model", MODEL, "--image", "fashion-mnist:test", "--limit", "3", "--invert-mask",
                "--mask", mask("right.png", x -> x < 14).toString(), "--steps", "10", "--jump-length", "3", "--jump-n-sample", "2",
                "--out", inverted.toString());
        assertEquals(0, inv.exit, inv.toString());
        assertArrayEquals(inpainted.pixels(), read(inverted).pixels());
    }

    @Test
    void perImageMasksOfTheWholeInputFollowTheImagesTaken() throws Exception {
        ImageSet inputs = testImages(0, 3);
        Path images = dir.resolve("three.npy");
        ddpm4j.io.Npy.writeBytes(images, new long[] {3, 28, 28, 1}, inputs.pixels());
        byte[] masks = new byte[3 * 28 * 28];
        for (int i = 0; i < masks.length; i++) {
            int k = i / (28 * 28);
            masks[i] = (byte) ((i % 28) < 8 * (k + 1) ? 255 : 0); // image k keeps its first 8(k+1) columns
        }
        Path maskFile = dir.resolve("masks.npy");
        ddpm4j.io.Npy.writeBytes(maskFile, new long[] {3, 28, 28}, masks);
        Path out = dir.resolve("two.npy");
        Cli r = Cli.run("edit", "inpaint", "--model", MODEL, "--image", images.toString(), "--index", "1", "--limit", "2",
                "--mask", maskFile.toString(), "--steps", "5", "--jump-length", "2", "--jump-n-sample", "2", "--out", out.toString());
        assertEquals(0, r.exit, r.toString());
        byte[] result = read(out).pixels();
        int per = 28 * 28;
        for (int j = 0; j < 2; j++) {
            for (int p = 0; p < per; p++) {
                if (masks[(1 + j) * per + p] != 0) {
                    assertEquals(inputs.pixels()[(1 + j) * per + p], result[j * per + p], "image " + j + " kept pixel " + p);
                }
            }
        }
    }

    @Test
    void anImageFileOfAnySizeAndColourIsResizedToTheModel() throws Exception {
        BufferedImage rgb = new BufferedImage(60, 50, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 50; y++) {
            for (int x = 0; x < 60; x++) {
                rgb.setRGB(x, y, x < 30 ? 0xffffff : 0x204080);
            }
        }
        Path in = dir.resolve("photo.png");
        ImageIO.write(rgb, "png", in.toFile());
        Path png = dir.resolve("out/edited.png");
        Cli r = Cli.run("edit", "img2img", "--model", MODEL, "--image", in.toString(), "--strength", "0.3", "--steps", "5", "--out", png.toString());
        assertEquals(0, r.exit, r.toString());
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(28 + 4, img.getWidth()); // one 28×28 image in a grid with a 2-pixel border
        Path compare = dir.resolve("compare.png");
        Cli c = Cli.run("edit", "inpaint", "--model", MODEL, "--image", in.toString(), "--mask", mask("m.png", x -> x < 20).toString(),
                "--steps", "5", "--jump-length", "2", "--jump-n-sample", "2", "--compare", "--out", compare.toString());
        assertEquals(0, c.exit, c.toString());
        assertEquals(3 * (2 * 28 + 2) + 2, ImageIO.read(compare.toFile()).getWidth(), "input, masked input, result, each zoomed 2×");
        Path gif = dir.resolve("edit.gif");
        Cli g = Cli.run("edit", "img2img", "--model", MODEL, "--image", "fashion-mnist:test", "--limit", "2", "--strength", "0.5",
                "--steps", "4", "--out", gif.toString());
        assertEquals(0, g.exit, g.toString());
        assertEquals("GIF8", new String(Files.readAllBytes(gif), 0, 4, java.nio.charset.StandardCharsets.US_ASCII));
    }

    @Test
    void badInputIsOneLineAndExitTwoWithNoOutput() throws Exception {
        Path out = dir.resolve("x.npy");
        Path mask = mask("m.png", x -> x < 14);
        String[][] cases = {
                {"img2img", "--strength", "1.5"},
                {"img2img", "--strength", "0.5", "--compare"},
                {"img2img", "--strength", "0.5", "--index", "10000"},
                {"img2img", "--strength", "0.5", "--scheduler", "nonesuch"},
                {"inpaint", "--mask", mask.toString(), "--method", "other"},
                {"inpaint", "--mask", mask.toString(), "--jump-length", "0"},
                {"inpaint", "--mask", mask.toString(), "--steps", "5000"},
                {"inpaint", "--mask", dir.resolve("missing.png").toString()},
        };
        for (String[] c : cases) {
            String[] args = new String[c.length + 9];
            args[0] = "edit";
            args[1] = c[0];
            System.arraycopy(new String[] {"--model", MODEL, "--image", "fashion-mnist:test", "--limit", "2"}, 0, args, 2, 6);
            System.arraycopy(c, 1, args, 8, c.length - 1);
            args[args.length - 2] = "--out";
            args[args.length - 1] = out.toString();
            Cli r = Cli.run(args);
            assertEquals(2, r.exit, String.join(" ", args) + "\n" + r);
            assertEquals(1, r.err.strip().lines().count(), r.err);
            assertTrue(Files.notExists(out), "no output for " + String.join(" ", c));
            if (c[2].endsWith("missing.png")) {
                assertTrue(r.err.contains("--mask: no such file"), r.err);
            }
        }
        Path gif = dir.resolve("x.gif");
        Cli report = Cli.run("edit", "inpaint", "--model", MODEL, "--image", "fashion-mnist:test", "--limit", "2", "--mask", mask.toString(),
                "--json", dir.resolve("r.json").toString(), "--out", gif.toString());
        assertEquals(2, report.exit, report.toString());
        assertTrue(Files.notExists(gif) && Files.notExists(dir.resolve("r.json")), "no output for a GIF with --json");
    }
}

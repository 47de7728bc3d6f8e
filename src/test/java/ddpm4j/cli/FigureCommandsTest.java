package ddpm4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The figure commands on the 16×16 reference fixture (random weights): shapes of the outputs, errors. */
class FigureCommandsTest {
    static final String MODEL = CliTest.MODEL;
    static final String IMAGES = ReferenceAgreementTest.FIXTURE.resolve("images.npy").toString();

    @TempDir
    Path dir;

    /** Width or height of a table of k cells: 16-pixel images zoomed 4× with 2-pixel gaps. */
    static int extent(int k) {
        return k * (64 + 2) + 2;
    }

    static BufferedImage read(Path p) throws Exception {
        return ImageIO.read(p.toFile());
    }

    @Test
    void progressiveShowsOneColumnPerVisitedStep() throws Exception {
        Path out = dir.resolve("p.png");
        Cli r = Cli.run("figure", "progressive", "--model", MODEL, "--sampler", "ddim", "--steps", "10", "--n", "2",
                "--at", "1000,500,1", "--out", out.toString());
        assertEquals(0, r.exit, r.toString());
        assertTrue(r.err.contains("columns at t = [901, 501, 1]"), r.err);
        BufferedImage img = read(out);
        assertEquals(extent(3), img.getWidth());
        assertEquals(extent(2), img.getHeight());
    }

    @Test
    void sharedLatentAndInterpolationTables() throws Exception {
        Path shared = dir.resolve("s.png");
        Cli s = Cli.run("figure", "shared-latent", "--model", MODEL, "--data", IMAGES, "--index", "2", "--t", "3,6", "--n", "2",
                "--out", shared.toString());
        assertEquals(0, s.exit, s.toString());
        assertEquals(extent(4), read(shared).getWidth());
        assertEquals(extent(2), read(shared).getHeight());
        Path interp = dir.resolve("i.png");
        Cli i = Cli.run("figure", "interpolate", "--model", MODEL, "--data", IMAGES, "--pair", "0,2", "--t", "4", "--lambdas", "3",
                "--out", interp.toString());
        assertEquals(0, i.exit, i.toString());
        assertEquals(extent(5), read(interp).getWidth());
        assertEquals(extent(1), read(interp).getHeight());
    }

    @Test
    void rateDistortionCsvHasEveryStepAndAGrowingRate() throws Exception {
        Path csv = dir.resolve("rd.csv");
        Path plot = dir.resolve("rd.png");
        Cli r = Cli.run("figure", "rate-distortion", "--model", MODEL, "--data", IMAGES, "--limit", "2", "--csv", csv.toString(),
                "--plot", plot.toString());
        assertEquals(0, r.exit, r.toString());
        List<String> lines = Files.readAllLines(csv);
        assertEquals("reverse_steps,t,rate_bits_per_dim,distortion_rmse", lines.get(0));
        assertEquals(1001, lines.size());
        double previous = -1;
        for (String line : lines.subList(1, lines.size())) {
            double rate = Double.parseDouble(line.split(",")[2]);
            assertTrue(rate >= previous - 1e-9, line);
            previous = rate;
        }
        assertTrue(lines.get(1).startsWith("0,1000,") && lines.get(1000).startsWith("999,1,"), lines.get(1000));
        assertTrue(read(plot).getWidth() > 0);
    }

    @Test
    void badValuesAreOneLineErrorsWithoutOutput() {
        Path out = dir.resolve("never.png");
        for (String[] args : new String[][] {
                {"figure", "progressive", "--model", MODEL, "--at", "0", "--out", out.toString()},
                {"figure", "shared-latent", "--model", MODEL, "--data", IMAGES, "--index", "3", "--out", out.toString()},
                {"figure", "interpolate", "--model", MODEL, "--data", IMAGES, "--pair", "0", "--out", out.toString()},
                {"figure", "interpolate", "--model", MODEL, "--data", IMAGES, "--t", "1001", "--out", out.toString()},
                {"figure", "progressive", "--model", MODEL, "--spacing", "middle", "--out", out.toString()}}) {
            Cli r = Cli.run(args);
            assertEquals(2, r.exit, r.toString());
            assertEquals(1, r.err.lines().count(), r.err);
            assertFalse(Files.exists(out), String.join(" ", args));
        }
    }
}

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

    /** Two runs' metrics as train writes them (loss lines with train_s, score lines), the second without train_s. */
    @Test
    void trainingCurvesPlotEveryRunAndRefuseWhatTheyCannotDraw() throws Exception {
        Path a = dir.resolve("runs/a");
        Path b = dir.resolve("runs/b");
        Files.createDirectories(a);
        Files.createDirectories(b);
        Files.writeString(a.resolve("metrics.jsonl"), "{\"step\":10,\"loss\":1,\"train_s\":60.0}\n{\"step\":10,\"judge_fid\":50.0}\n"
                + "{\"step\":20,\"loss\":1,\"train_s\":120.0}\n{\"step\":20,\"judge_fid\":20.0}\n");
        Files.writeString(b.resolve("metrics.jsonl"), "{\"step\":10,\"loss\":1}\n{\"step\":10,\"judge_fid\":30.0}\n");
        Path png = dir.resolve("fig/curves.png");
        Path csv = dir.resolve("fig/curves.csv");
        Cli r = Cli.runExactly("figure", "training", "--run", "fast=" + a, "--run", b.toString(), "--x", "steps", "--out", png.toString(),
                "--csv", csv.toString());
        assertEquals(0, r.exit, r.toString());
        assertTrue(r.out.contains("fast: best judge_fid 20.00 at step 20 (2.0 min); last 20.00 at step 20 (2.0 min)"), r.out);
        assertTrue(r.out.contains("b: best judge_fid 30.00 at step 10; last 30.00 at step 10\n"), r.out);
        assertEquals(800, read(png).getWidth());
        assertEquals(List.of("run,step,train_minutes,score", "fast,10,1.000,50.0000", "fast,20,2.000,20.0000", "b,10,NaN,30.0000"),
                Files.readAllLines(csv));
        Path other = dir.resolve("other.png");
        for (String[] bad : new String[][] {
                {"--run", b.toString(), "--out", other.toString()}, // minutes of a run that did not log them
                {"--run", a.toString(), "--run", a.toString(), "--x", "steps", "--out", other.toString()}, // two runs named a
                {"--run", a.toString(), "--metric", "inception_fid", "--out", other.toString()},
                {"--run", dir.resolve("none").toString(), "--out", other.toString()},
                {"--run", a.toString(), "--x", "hours", "--out", other.toString()},
                {"--run", a.toString(), "--x", "images", "--out", other.toString()}}) { // no checkpoint: no batch size
            String[] args = new String[bad.length + 2];
            args[0] = "figure";
            args[1] = "training";
            System.arraycopy(bad, 0, args, 2, bad.length);
            Cli e = Cli.runExactly(args);
            assertTrue(e.exit != 0 && e.err.strip().lines().count() == 1, e.toString());
            assertFalse(Files.exists(other), "no partial output");
        }
    }
}

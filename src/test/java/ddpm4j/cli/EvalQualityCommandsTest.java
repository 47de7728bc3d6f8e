package ddpm4j.cli;

import ddpm4j.eval.FeatureStatistics;
import ddpm4j.io.Npy;
import ddpm4j.io.Npz;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** eval judge, stats, fid and is through the CLI, on small labelled images the test writes. */
class EvalQualityCommandsTest {
    @TempDir
    static Path dir;
    static Path judge;
    static Path testImages;

    /** 8×8 noisy stripes, horizontal (0) or vertical (1), as an .npz with labels. */
    static Path stripes(Path dir, String name, int n, long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] px = new byte[n * 64];
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            labels[i] = (byte) r.nextInt(2);
            int phase = r.nextInt(2);
            for (int p = 0; p < 64; p++) {
                int along = labels[i] == 0 ? p / 8 : p % 8;
                px[i * 64 + p] = (byte) (((along + phase) % 2 == 0 ? 200 : 50) + r.nextInt(-40, 41));
            }
        }
        Path npy = dir.resolve(name + ".npy");
        Npy.writeBytes(npy, new long[] {n, 8, 8}, px);
        Path labelsNpy = dir.resolve(name + "-labels.npy");
        Npy.writeBytes(labelsNpy, new long[] {n}, labels);
        Map<String, byte[]> arrays = new LinkedHashMap<>();
        arrays.put("images", Files.readAllBytes(npy));
        arrays.put("labels", Files.readAllBytes(labelsNpy));
        Path npz = dir.resolve(name + ".npz");
        Npz.write(npz, arrays);
        return npz;
    }

    @BeforeAll
    static void trainAJudge() throws Exception {
        Path train = stripes(dir, "train", 256, 1);
        Path test = stripes(dir, "test", 120, 2);
        testImages = dir.resolve("test.npy");
        judge = dir.resolve("judge");
        Cli r = Cli.run("eval", "judge", "--data", train.toString(), "--test", test.toString(), "--out", judge.toString(),
                "--epochs", "2", "--batch-size", "32");
        assertEquals(0, r.exit, r.toString());
        assertTrue(r.err.contains("accuracy on"), r.err);
    }

    private static double number(String text, String label) {
        Matcher m = Pattern.compile(label + " (-?[0-9.]+)").matcher(text);
        assertTrue(m.find(), text);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void identicalImagesAreAtFidZeroAndStatisticsFilesGiveTheSameFid() throws Exception {
        Cli same = Cli.run("eval", "fid", "--samples", testImages.toString(), "--ref", testImages.toString(), "--judge", judge.toString());
        assertEquals(0, same.exit, same.toString());
        assertEquals(0, number(same.out, "FID"), 1e-3);

        Path other = stripes(dir, "other", 120, 3);
        Path stats = dir.resolve("ref.npz");
        Cli s = Cli.run("eval", "stats", "--data", other.toString(), "--out", stats.toString(), "--judge", judge.toString());
        assertEquals(0, s.exit, s.toString());
        assertEquals(128, FeatureStatistics.read(stats).dim(), "the judge's feature layer");
        Path json = dir.resolve("fid.json");
        Cli viaSpec = Cli.run("eval", "fid", "--samples", testImages.toString(), "--ref", other.toString(), "--judge", judge.toString());
        Cli viaStats = Cli.run("eval", "fid", "--samples", testImages.toString(), "--ref", stats.toString(), "--judge", judge.toString(),
                "--json", json.toString());
        double a = number(viaSpec.out, "FID");
        assertTrue(a > 0, viaSpec.out);
        assertEquals(a, number(viaStats.out, "FID"), 1e-3 * a);
        assertTrue(Files.readString(json).contains("\"fid\""));
    }

    @Test
    void inceptionScoreOfTwoWellSeparatedBalancedClassesIsNearTwo() {
        Cli r = Cli.run("eval", "is", "--samples", testImages.toString(), "--judge", judge.toString(), "--splits", "2");
        assertEquals(0, r.exit, r.toString());
        double score = number(r.out, "IS");
        assertTrue(score > 1.7 && score <= 2.0 + 1e-9, r.out);
    }

    @Test
    void badInvocationsAreOneLineErrorsWithoutOutputs() throws Exception {
        Path json = dir.resolve("never.json");
        Cli both = Cli.run("eval", "fid", "--samples", testImages.toString(), "--model", "x", "--judge", judge.toString());
        assertEquals(2, both.exit, both.toString());
        Cli noJudge = Cli.run("eval", "fid", "--samples", testImages.toString(), "--judge", dir.resolve("nope").toString(),
                "--json", json.toString());
        assertEquals(2, noJudge.exit, noJudge.toString());
        assertEquals(1, noJudge.err.lines().count(), noJudge.err);
        assertFalse(Files.exists(json));
        Path rgb = dir.resolve("rgb.npy");
        Npy.writeBytes(rgb, new long[] {2, 8, 8, 3}, new byte[2 * 8 * 8 * 3]);
        Cli wrongShape = Cli.run("eval", "is", "--samples", rgb.toString(), "--judge", judge.toString(), "--splits", "1");
        assertEquals(2, wrongShape.exit, wrongShape.toString());
        assertTrue(wrongShape.err.contains("8x8x1"), wrongShape.err);
        Cli noWeights = Cli.run("eval", "fid", "--features", "inception", "--inception", dir.resolve("none.pth").toString(),
                "--samples", testImages.toString(), "--ref", testImages.toString(), "--json", json.toString());
        assertEquals(2, noWeights.exit, noWeights.toString());
        assertTrue(noWeights.err.contains("pytorch-fid"), noWeights.err);
        assertFalse(Files.exists(json));
        Path fake = dir.resolve("pt_inception-2015-12-05-6726825d.pth");
        Files.write(fake, new byte[] {1, 2, 3});
        Cli corrupt = Cli.run("eval", "stats", "--features", "inception", "--inception", fake.toString(), "--data",
                testImages.toString(), "--out", dir.resolve("never.npz").toString());
        assertEquals(2, corrupt.exit, corrupt.toString());
        assertTrue(corrupt.err.contains("is not the official 6726825d0af5f729"), corrupt.err);
        assertFalse(Files.exists(dir.resolve("never.npz")));
        Cli noRef = Cli.run("eval", "fid", "--features", "inception", "--samples", testImages.toString());
        assertEquals(2, noRef.exit, noRef.toString());
        Cli unlabelled = Cli.run("eval", "judge", "--data", testImages.toString(), "--out", dir.resolve("j2").toString());
        assertEquals(2, unlabelled.exit, unlabelled.toString());
        assertTrue(unlabelled.err.contains("no class labels"), unlabelled.err);
        assertFalse(Files.exists(dir.resolve("j2")));
    }
}

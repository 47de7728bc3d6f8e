package ddpm4j.cli;

import ddpm4j.io.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CliTest {
    static final String MODEL = ReferenceAgreementTest.FIXTURE.resolve("model").toString();
    static final String X = ReferenceAgreementTest.FIXTURE.resolve("x.npy").toString();
    static final String T = ReferenceAgreementTest.FIXTURE.resolve("t.npy").toString();

    @TempDir
    Path dir;

    @Test
    void helpListsEveryCommand() {
        Cli r = Cli.run("--help");
        assertEquals(0, r.exit);
        assertTrue(r.out.contains("predict") && r.out.contains("sample"), r.out);
        Cli s = Cli.run("sample", "--help");
        assertEquals(0, s.exit);
        for (String option : new String[] {"--sampler", "--steps", "--eta", "--n", "--seed", "--noise", "--[no-]clip", "--raw", "--out"}) {
            assertTrue(s.out.contains(option), option + " in\n" + s.out);
        }
    }

    @Test
    void aConvolutionMovedOffItsPreferredPathIsOneWarningLineAndAnAgreeingOneIsSilent() {
        var shape = new ddpm4j.torch.ConvShape(2, 32, 16, 3, 3, 1, 1, 1, 1, 28, 28, false, true, true);
        var errors = new java.util.LinkedHashMap<ddpm4j.torch.ConvPath, Double>();
        errors.put(ddpm4j.torch.ConvPath.ONEDNN, Double.NaN);
        errors.put(ddpm4j.torch.ConvPath.NATIVE, 5.8e-7);
        var text = new java.io.ByteArrayOutputStream();
        Main.warnIfSwitched(new ddpm4j.torch.ConvCheck(shape, ddpm4j.torch.ConvPath.NATIVE, errors, 0.1), new java.io.PrintStream(text, true));
        String line = text.toString();
        assertEquals(1, line.lines().count(), line);
        assertTrue(line.startsWith("ddpm4j: warning: oneDNN computes the convolution 32→16 channels, 3×3 kernel")
                && line.contains("relative error NaN") && line.contains("using libtorch im2col + gemm, no oneDNN instead"), line);
        text.reset();
        var odd = new ddpm4j.torch.ConvShape(2, 32, 1, 3, 3, 1, 1, 1, 1, 28, 28, false, true, true);
        Main.warnIfSwitched(new ddpm4j.torch.ConvCheck(odd, ddpm4j.torch.ConvPath.PADDED, java.util.Map.of(ddpm4j.torch.ConvPath.PADDED, 5e-7), 0.1),
                new java.io.PrintStream(text, true));
        assertEquals("", text.toString());
    }

    /** Bad input: exit 2, one line on stderr, no output file. */
    private void assertRejected(String expected, Path out, String... args) {
        Cli r = Cli.run(args);
        assertEquals(2, r.exit, r.toString());
        assertTrue(r.err.contains(expected), r.toString());
        assertEquals(1, r.err.strip().lines().count(), "one line: " + r.err);
        assertFalse(Files.exists(out), "no output file");
    }

    /** Two-valued options show two values in the help, not picocli's repeatable "[,START,END...]". */
    @Test
    void twoValuedOptionsSayTwoValues() {
        Cli r = Cli.run("train", "--help");
        assertEquals(0, r.exit);
        for (String option : new String[] {"[--beta-range=START,END]", "[--adam-betas=B1,B2]"}) {
            assertTrue(java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(option) + "\\s").matcher(r.out).find(), option + " in\n" + r.out);
            assertFalse(r.out.contains(option + "..."), option + " repeatable in\n" + r.out);
        }
        assertFalse(r.out.contains("...]"), r.out);
        Cli three = Cli.run("train", "--data", "x.npy", "--out", dir.resolve("run").toString(), "--beta-range", "1e-4,0.02,0.5");
        assertEquals(2, three.exit, three.toString());
        assertTrue(three.err.contains("'1e-4,0.02,0.5' is not two numbers A,B") && three.err.strip().lines().count() == 1, three.err);
    }

    /** The network is never run on timesteps the model was not trained on, nor on non-finite inputs. */
    @Test
    void badTimestepsNonFiniteInputsAndSizesTheNetworkCannotTakeAreRefusedNamingTheFile() throws Exception {
        Path out = dir.resolve("o.npy");
        int n = (int) Npy.read(Path.of(X)).shape()[0];
        Path t = dir.resolve("t.npy");
        Npy.writeLongs(t, new long[] {1}, new long[] {-3});
        assertRejected(t + ": timestep -3 at index 0 is outside 0..999", out, "predict", "--model", MODEL, "--x", X, "--t", t.toString(), "--out", out.toString());
        Npy.writeLongs(t, new long[] {1}, new long[] {1000});
        assertRejected(t + ": timestep 1000 at index 0 is outside 0..999", out, "predict", "--model", MODEL, "--x", X, "--t", t.toString(), "--out", out.toString());
        Npy.writeFloats(t, new long[] {1}, new float[] {10.5f});
        assertRejected(t + ": timestep 10.5 at index 0 is not a whole number: this model's network takes the integer steps", out, "predict", "--model", MODEL, "--x", X, "--t", t.toString(), "--out", out.toString());
        Npy.writeLongs(t, new long[] {n, 1}, new long[n]);
        assertRejected(t + ": expected timesteps [N] or a single value, got shape [" + n + ", 1]", out,
                "predict", "--model", MODEL, "--x", X, "--t", t.toString(), "--out", out.toString());
        Npy.Array x = Npy.read(Path.of(X));
        float[] values = x.toFloats();
        values[5] = Float.NaN;
        Path bad = dir.resolve("nan.npy");
        Npy.writeFloats(bad, x.shape(), values);
        assertRejected(bad + ": holds NaN at index [0, 0, 0, 5]; the values must be finite", out,
                "predict", "--model", MODEL, "--x", bad.toString(), "--t", T, "--out", out.toString());
        Path odd = dir.resolve("odd.npy");
        Npy.writeFloats(odd, new long[] {n, 3, 7, 8}, new float[n * 3 * 56]);
        assertRejected(odd + ": input of 7×8: height and width must be multiples of 4 for this network", out,
                "predict", "--model", MODEL, "--x", odd.toString(), "--t", T, "--out", out.toString());
        Path png = dir.resolve("o.png");
        assertRejected(bad + ": holds NaN at index [0, 0, 0, 5]", png, "sample", "--model", MODEL, "--noise", bad.toString(), "--out", png.toString());
    }

    @Test
    void aDirectoryWhereAFileIsExpectedIsAUsageErrorNamingIt() throws Exception {
        Path out = dir.resolve("o.npy");
        Path folder = Files.createDirectory(dir.resolve("folder.npy"));
        assertRejected(folder + ": is a directory, not a file", out, "predict", "--model", MODEL, "--x", folder.toString(), "--t", T, "--out", out.toString());
        assertRejected(folder + ": is a directory, not a file", out, "predict", "--model", MODEL, "--x", X, "--t", folder.toString(), "--out", out.toString());
        Path model = Files.createDirectory(dir.resolve("model"));
        for (String f : new String[] {"config.json", "scheduler_config.json"}) {
            Files.copy(Path.of(MODEL, f), model.resolve(f));
        }
        Path weights = Files.createDirectory(model.resolve("diffusion_pytorch_model.safetensors"));
        assertRejected(weights + ": is a directory, not a file", out, "predict", "--model", model.toString(), "--x", X, "--t", T, "--out", out.toString());
        Files.delete(weights);
        Files.createDirectory(model.resolve("diffusion_pytorch_model.bin"));
        assertRejected("diffusion_pytorch_model.bin: is a directory, not a file", out,
                "predict", "--model", model.toString(), "--x", X, "--t", T, "--out", out.toString());
        assertRejected(X + ": is a file, not a model directory", out, "predict", "--model", X, "--x", X, "--t", T, "--out", out.toString());
    }

    @Test
    void badInputIsAOneLineErrorWithExitCode2() throws Exception {
        Path out = dir.resolve("o.npy");
        assertRejected("no such directory", out, "predict", "--model", dir.resolve("none").toString(), "--x", X, "--t", T, "--out", out.toString());
        assertRejected("--out must end in .npy", dir.resolve("o.txt"), "predict", "--model", MODEL, "--x", X, "--t", T, "--out", dir.resolve("o.txt").toString());
        assertRejected("no such file", out, "predict", "--model", MODEL, "--x", dir.resolve("missing.npy").toString(), "--t", T, "--out", out.toString());
        Path gray = dir.resolve("gray.npy");
        Npy.writeFloats(gray, new long[] {3, 1, 16, 16}, new float[3 * 256]);
        assertRejected("images have 1 channels but the model takes 3", out, "predict", "--model", MODEL, "--x", gray.toString(), "--t", T, "--out", out.toString());
        Path twoT = dir.resolve("t2.npy");
        Npy.writeLongs(twoT, new long[] {2}, new long[] {1, 2});
        assertRejected("holds 2 timesteps for 3 inputs", out, "predict", "--model", MODEL, "--x", X, "--t", twoT.toString(), "--out", out.toString());
        assertRejected("--raw writes model-space arrays", dir.resolve("s.png"), "sample", "--model", MODEL, "--raw", "--out", dir.resolve("s.png").toString());
        assertRejected("--scheduler: unknown scheduler 'flow-match'", out, "sample", "--model", MODEL, "--sampler", "flow-match", "--out", out.toString());
        assertRejected("--steps must be in [1, 1000]", out, "sample", "--model", MODEL, "--sampler", "ddim", "--steps", "0", "--out", out.toString());
        assertRejected("--steps must be in [1, 1000]", out, "sample", "--model", MODEL, "--steps", "1001", "--out", out.toString());
        assertRejected("unknown timestep spacing 'even'", out, "sample", "--model", MODEL, "--spacing", "even", "--out", out.toString());
        assertRejected("--n must be at least 1", out, "sample", "--model", MODEL, "--n", "0", "--out", out.toString());
        Path notNpy = dir.resolve("junk.npy");
        Files.writeString(notNpy, "junk");
        assertRejected("bad magic", out, "sample", "--model", MODEL, "--noise", notNpy.toString(), "--out", out.toString());
        assertRejected("Missing required option: '--out", out, "sample", "--model", MODEL);
    }

    @Test
    void sampleWritesAGridAndImages() throws Exception {
        Path png = dir.resolve("grid.png");
        Cli r = Cli.run("sample", "--model", MODEL, "--sampler", "ddim", "--steps", "5", "--n", "4", "--out", png.toString());
        assertEquals(0, r.exit, r.toString());
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(2 * 18 + 2, img.getWidth());
        assertEquals(2 * 18 + 2, img.getHeight());

        Path npy = dir.resolve("images.npy");
        assertEquals(0, Cli.run("sample", "--model", MODEL, "--sampler", "ddim", "--steps", "5", "--n", "4", "--out", npy.toString()).exit);
        Npy.Array a = Npy.read(npy);
        assertEquals(Npy.DType.UINT8, a.dtype());
        assertArrayEquals(new long[] {4, 16, 16, 3}, a.shape());
    }

    @Test
    void respacedAncestralSamplingIsReproducibleAcrossBatchSizesAndAGifAnimatesIt() throws Exception {
        Path a = dir.resolve("ra.npy");
        Path b = dir.resolve("rb.npy");
        String[] common = {"sample", "--model", MODEL, "--sampler", "ancestral", "--steps", "20", "--spacing", "trailing", "--n", "3",
            "--seed", "5", "--raw"};
        assertEquals(0, Cli.run(concat(common, "--batch-size", "1", "--out", a.toString())).exit);
        assertEquals(0, Cli.run(concat(common, "--batch-size", "3", "--out", b.toString())).exit);
        float[] fa = Npy.read(a).toFloats();
        float[] fb = Npy.read(b).toFloats();
        for (int i = 0; i < fa.length; i++) {
            assertEquals(fa[i], fb[i], 1e-4);
        }
        Path gif = dir.resolve("d.gif");
        Cli r = Cli.run("sample", "--model", MODEL, "--sampler", "ancestral", "--steps", "20", "--spacing", "trailing", "--n", "3", "--seed", "5",
                "--out", gif.toString());
        assertEquals(0, r.exit, r.toString());
        var reader = javax.imageio.ImageIO.getImageReadersByFormatName("gif").next();
        try (var in = javax.imageio.ImageIO.createImageInputStream(gif.toFile())) {
            reader.setInput(in);
            assertEquals(21, reader.getNumImages(true), "the noise, then one frame per step");
        }
        assertEquals(2, Cli.run("sample", "--model", MODEL, "--n", "65", "--out", dir.resolve("big.gif").toString()).exit);
    }

    @Test
    void theBuiltInModelSamplesByName() throws Exception {
        System.setProperty("ddpm4j.cache", dir.resolve("cache").toString());
        try {
            Path png = dir.resolve("builtin.png");
            Cli r = Cli.run("sample", "--model", "fashion-mnist", "--sampler", "ddim", "--steps", "3", "--n", "2", "--out", png.toString());
            assertEquals(0, r.exit, r.toString());
            assertTrue(Files.size(png) > 0);
        } finally {
            System.clearProperty("ddpm4j.cache");
        }
    }

    /** DPM-Solver++ through the CLI: seeded and batch-size independent (it is deterministic after x_T), its own options checked. */
    @Test
    void dpmSolverSamplesReproduciblyAndRefusesOptionsItHasNot() throws Exception {
        Path a = dir.resolve("dpm-a.npy");
        Path b = dir.resolve("dpm-b.npy");
        String[] common = {"sample", "--model", MODEL, "--sampler", "dpmsolver", "--steps", "6", "--n", "3", "--seed", "4", "--raw"};
        Cli r = Cli.run(concat(common, "--batch-size", "3", "--out", a.toString()));
        assertEquals(0, r.exit, r.toString());
        assertEquals(0, Cli.run(concat(common, "--batch-size", "1", "--out", b.toString())).exit);
        float[] fa = Npy.read(a).toFloats();
        float[] fb = Npy.read(b).toFloats();
        // the fixture's random network is unclipped here: values reach 650, and batch 1 runs other kernels than
        // batch 3, whose rounding six steps amplify to 1.1e-4 (measured on an AMD EPYC, Zen 3); mixed-up images differ by O(1)
        for (int i = 0; i < fa.length; i++) {
            assertEquals(fa[i], fb[i], 1e-3 * Math.max(1, Math.abs(fa[i])));
        }
        assertRejected("--eta does not apply to DPMSolverMultistepScheduler", dir.resolve("x.png"), "sample", "--model", MODEL,
                "--sampler", "dpmsolver", "--eta", "0.5", "--out", dir.resolve("x.png").toString());
        assertRejected("--clip does not apply to DPMSolverMultistepScheduler", dir.resolve("x.png"), "sample", "--model", MODEL,
                "--sampler", "dpmsolver", "--clip", "--out", dir.resolve("x.png").toString());
        assertRejected("'solver_order' has unsupported value 4", dir.resolve("x.png"), "sample", "--model", MODEL,
                "--scheduler", "DPMSolverMultistepScheduler", "--set", "solver_order=4", "--out", dir.resolve("x.png").toString());
        assertRejected("--set: EulerDiscreteScheduler has no key 'solver_order'", dir.resolve("x.png"), "sample", "--model", MODEL,
                "--scheduler", "euler", "--set", "solver_order=3", "--out", dir.resolve("x.png").toString());
        assertRejected("--generator must be per-image or torch", dir.resolve("x.png"), "sample", "--model", MODEL,
                "--generator", "numpy", "--out", dir.resolve("x.png").toString());
        // without --scheduler a model whose file names the training DDPMScheduler samples with the default, UniPC 20 steps
        Path byDefault = dir.resolve("default.npy");
        Path explicit = dir.resolve("explicit.npy");
        assertEquals(0, Cli.run("sample", "--model", MODEL, "--n", "2", "--raw", "--out", byDefault.toString()).exit);
        assertEquals(0, Cli.run("sample", "--model", MODEL, "--scheduler", "UniPCMultistepScheduler", "--steps", "20", "--n", "2", "--raw",
                "--out", explicit.toString()).exit);
        assertArrayEquals(Npy.read(explicit).toFloats(), Npy.read(byDefault).toFloats());
        // every scheduler samples through the CLI, with its keys settable
        for (String[] extra : new String[][] {{"--scheduler", "euler", "--set", "use_karras_sigmas=true"}, // fractional timesteps
                {"--scheduler", "euler-ancestral"}, {"--scheduler", "heun"}, {"--scheduler", "lms"}, {"--scheduler", "pndm"},
                {"--scheduler", "unipc"}, {"--scheduler", "deis"}, {"--scheduler", "dpmsolver-singlestep", "--set", "solver_order=3"}, {"--scheduler", "dpmsolver", "--set", "solver_order=3", "--set", "use_karras_sigmas=true"},
                {"--scheduler", "DPMSolverMultistepScheduler", "--set", "algorithm_type=sde-dpmsolver++", "--generator", "torch"}}) {
            Path e = dir.resolve("extra.npy");
            Cli x = Cli.run(concat(concat(new String[] {"sample", "--model", MODEL, "--steps", "4", "--n", "2", "--raw"}, extra),
                    "--out", e.toString()));
            assertEquals(0, x.exit, String.join(" ", extra) + ": " + x);
            for (float v : Npy.read(e).toFloats()) {
                assertTrue(Float.isFinite(v), String.join(" ", extra));
            }
        }
    }

    @Test
    void seededSamplingIsReproducibleAcrossBatchSizes() throws Exception {
        Path a = dir.resolve("a.npy");
        Path b = dir.resolve("b.npy");
        String[] common = {"sample", "--model", MODEL, "--sampler", "ddim", "--steps", "8", "--eta", "1", "--n", "3", "--seed", "11", "--raw"};
        assertEquals(0, Cli.run(concat(common, "--batch-size", "3", "--out", a.toString())).exit);
        assertEquals(0, Cli.run(concat(common, "--batch-size", "2", "--out", b.toString())).exit);
        // Same noise per image; libtorch's kernels may round differently for another batch size.
        float[] fa = Npy.read(a).toFloats();
        float[] fb = Npy.read(b).toFloats();
        for (int i = 0; i < fa.length; i++) {
            assertEquals(fa[i], fb[i], 1e-4);
        }
        Path again = dir.resolve("again.npy");
        assertEquals(0, Cli.run(concat(common, "--batch-size", "3", "--out", again.toString())).exit);
        assertArrayEquals(fa, Npy.read(again).toFloats(), "bit-identical rerun");
        Path c = dir.resolve("c.npy");
        assertEquals(0, Cli.run("sample", "--model", MODEL, "--sampler", "ddim", "--steps", "8", "--eta", "1", "--n", "3",
                "--seed", "12", "--raw", "--out", c.toString()).exit);
        assertFalse(java.util.Arrays.equals(Npy.read(a).toFloats(), Npy.read(c).toFloats()), "another seed, other images");
    }

    @Test
    void aRunMadeInPartsGivesTheImagesOfOneRun() throws Exception {
        Path whole = dir.resolve("whole.npy");
        Path part = dir.resolve("part.npy");
        String[] common = {"sample", "--model", MODEL, "--sampler", "ddim", "--steps", "4", "--eta", "1", "--seed", "7", "--raw", "--batch-size", "1"};
        assertEquals(0, Cli.run(concat(common, "--n", "3", "--out", whole.toString())).exit);
        Cli r = Cli.run(concat(common, "--n", "2", "--first-image", "1", "--out", part.toString()));
        assertEquals(0, r.exit, r.toString());
        float[] w = Npy.read(whole).toFloats();
        assertArrayEquals(java.util.Arrays.copyOfRange(w, w.length / 3, w.length), Npy.read(part).toFloats(), "images 1 and 2");
        Path never = dir.resolve("never.npy");
        Cli torch = Cli.run(concat(common, "--generator", "torch", "--first-image", "2", "--out", never.toString()));
        assertEquals(2, torch.exit, torch.toString());
        assertTrue(torch.err.contains("--first-image needs the per-image generator"), torch.err);
        assertEquals(2, Cli.run(concat(common, "--first-image", "-1", "--out", never.toString())).exit);
        assertFalse(Files.exists(never));
    }

    @Test
    void benchReportsStepTimeAsJson() throws Exception {
        Path json = dir.resolve("bench.json");
        Cli r = Cli.run("bench", "--preset", "small28", "--mode", "sample", "--batch-size", "2", "--iters", "3", "--warmup", "0", "--json", json.toString());
        assertEquals(0, r.exit, r.toString());
        var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.toFile());
        assertEquals(1_623_169, node.get("parameters").asLong());
        double ms = node.get("msPerStep").asDouble();
        assertTrue(ms > 0, r.out);
        assertEquals(2 * 1000.0 / ms, node.get("imagesPerSecond").asDouble(), 1e-9);
        assertTrue(node.get("msFastest").asDouble() <= ms && ms <= node.get("msSlowest").asDouble(), r.out);
        assertEquals(node.get("imagesPerSecond").asDouble() * node.get("gflopPerImage").asDouble(), node.get("gflops").asDouble(), 1e-9);
        Path train = dir.resolve("train.json");
        Cli t = Cli.run("bench", "--preset", "quick28", "--mode", "train", "--batch-size", "2", "--iters", "2", "--warmup", "0", "--json", train.toString());
        assertEquals(0, t.exit, t.toString());
        var tn = new com.fasterxml.jackson.databind.ObjectMapper().readTree(train.toFile());
        assertEquals("train", tn.get("mode").asText());
        assertEquals(3 * ddpm4j.nn.FlopCount.forward(ddpm4j.nn.Presets.get("quick28")) / 1e9, tn.get("gflopPerImage").asDouble(), 1e-9);
        assertRejected("Invalid value for option '--mode'", dir.resolve("b2.json"), "bench", "--preset", "small28", "--mode", "infer", "--json", dir.resolve("b2.json").toString());
        assertRejected("unknown preset 'huge'", dir.resolve("b3.json"), "bench", "--preset", "huge", "--json", dir.resolve("b3.json").toString());
        assertRejected("--warmup must be between 0 and 3600 seconds", dir.resolve("b4.json"), "bench", "--preset", "small28", "--warmup", "-1",
                "--json", dir.resolve("b4.json").toString());
        // a model's config.json instead of a preset: the class-conditional ADM network of the consistency-model fixture
        String adm = "src/test/resources/reference/adm/model/config.json";
        Path cj = dir.resolve("cm.json");
        Cli c = Cli.run("bench", "--config", adm, "--batch-size", "2", "--iters", "2", "--warmup", "0", "--json", cj.toString());
        assertEquals(0, c.exit, c.toString());
        assertEquals(ddpm4j.nn.FlopCount.forward(ddpm4j.io.ConfigJson.readUNet(Path.of(adm))) / 1e9,
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(cj.toFile()).get("gflopPerImage").asDouble(), 1e-9);
        assertRejected("give --preset NAME or --config config.json", dir.resolve("b5.json"), "bench", "--preset", "small28", "--config", adm,
                "--json", dir.resolve("b5.json").toString());
        assertRejected("is class-conditional", dir.resolve("b6.json"), "bench", "--config", adm, "--mode", "train",
                "--json", dir.resolve("b6.json").toString());
    }

    @Test
    void everyParameterizationAndVarianceSamples() throws Exception {
        ddpm4j.nn.UNetConfig base = ddpm4j.io.ModelDirectoryTest.SMALL;
        for (String[] pv : new String[][] {{"sample", "fixed_small"}, {"v_prediction", "learned"}, {"mean", "learned_range"}, {"epsilon", "fixed_large"}}) {
            boolean learned = pv[1].startsWith("learned");
            ddpm4j.nn.UNetConfig c = new ddpm4j.nn.UNetConfig(8, 1, learned ? 2 : 1, base.blockOutChannels(), 1, base.downBlockTypes(),
                    base.upBlockTypes(), 32, 1e-6, 1, false, 0, null, 0.0, false, 1.0, true, null, null,
                    ddpm4j.nn.UNetConfig.TIME_ADD, ddpm4j.nn.UNetConfig.RESAMPLE_CONV, ddpm4j.nn.UNetConfig.RESAMPLE_CONV, null);
            Path model = dir.resolve(pv[0] + "-" + pv[1]);
            try (ddpm4j.nn.UNet2DModel m = new ddpm4j.nn.UNet2DModel(c, 5)) {
                ddpm4j.io.ModelDirectory.save(model, m, ddpm4j.schedule.SchedulerConfig.paper().with(ddpm4j.schedule.BetaSchedule.LINEAR, 100, ddpm4j.schedule.VarianceType.fromConfig(pv[1]), ddpm4j.schedule.Prediction.fromConfig(pv[0])));
            }
            for (String sampler : new String[] {"ancestral", "ddim"}) {
                Path out = dir.resolve(pv[0] + sampler + ".npy");
                Cli r = Cli.run("sample", "--model", model.toString(), "--sampler", sampler, "--n", "2", "--raw", "--out", out.toString());
                assertEquals(0, r.exit, r.toString());
                for (float v : Npy.read(out).toFloats()) {
                    assertTrue(Float.isFinite(v), pv[0] + "/" + pv[1] + "/" + sampler + ": " + v);
                }
            }
        }
    }

    /** --precision reaches the network of a command that does not measure (no process-wide default in between). */
    @Test
    void explicitPrecisionReachesTheNetwork() throws Exception {
        float[][] y = new float[2][];
        String[] names = {"fp32", "bf16"};
        for (int k = 0; k < 2; k++) {
            Path out = dir.resolve(names[k] + ".npy");
            Cli r = Cli.runExactly("predict", "--model", MODEL, "--x", X, "--t", T, "--out", out.toString(), "--precision", names[k]);
            assertEquals(0, r.exit, r.toString());
            y[k] = Npy.read(out).toFloats();
        }
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < y[0].length; i++) {
            diff += (y[0][i] - y[1][i]) * (y[0][i] - y[1][i]);
            norm += y[0][i] * y[0][i];
        }
        double rel = Math.sqrt(diff / norm);
        assertTrue(rel > 1e-5 && rel < 0.05, "bf16 against fp32: relative error " + rel);
    }

    static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}

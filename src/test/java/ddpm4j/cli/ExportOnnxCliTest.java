package ddpm4j.cli;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ddpm4j.diffusion.Denoiser;
import ddpm4j.export.OnnxExport;
import ddpm4j.io.Npy;
import ddpm4j.sample.NoiseSource;
import ddpm4j.sample.Sampler;
import ddpm4j.sample.Samplers;
import ddpm4j.sample.StepListener;
import ddpm4j.schedule.SchedulerClass;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code export onnx} through the command line, and the Java of docs/onnx.md (the marked block below, which
 * ExamplesTest finds there verbatim): the exported built-in model sampled with ONNX Runtime and ddpm4j's schedulers
 * gives {@code sample --raw}'s images.
 */
class ExportOnnxCliTest {
    @TempDir
    Path dir;

    @Test
    void theExportedBuiltInModelSamplesWhatSampleDraws() throws Exception {
        Path onnx = dir.resolve("fm.onnx");
        Cli export = Cli.run("export", "onnx", "--model", "fashion-mnist", "--out", onnx.toString());
        assertEquals(0, export.exit, export.err);
        assertTrue(export.err.contains("wrote " + onnx), export.err);
        assertTrue(Files.size(onnx) > 6_000_000, "the weights are in the file");
        assertTrue(Files.exists(dir.resolve("fm.scheduler_config.json")));
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "no temporary file left");
        }

        // sample's default sampler for the model (its scheduler_config.json: UniPC, 20 steps), and DDIM with 10 steps
        for (String[] sampler : new String[][] {{}, {"--scheduler", "ddim", "--steps", "10"}}) {
            Path raw = dir.resolve("raw" + sampler.length + ".npy");
            String[] args = concat(new String[] {"sample", "--model", "fashion-mnist", "--n", "4", "--seed", "42", "--raw", "--out", raw.toString()}, sampler);
            Cli sample = Cli.run(args);
            assertEquals(0, sample.exit, sample.err);
            float[] want = Npy.read(raw).toFloats();
            float[] got = sampleWithOnnxRuntime(onnx, sampler.length == 0 ? null : SchedulerClass.DDIM, sampler.length == 0 ? 0 : 10);
            assertEquals(want.length, got.length);
            double worst = 0;
            for (int i = 0; i < want.length; i++) {
                worst = Math.max(worst, Math.abs(want[i] - got[i]));
            }
            assertTrue(worst <= 1e-3, String.join(" ", sampler) + ": largest difference " + worst);
            if (sampler.length > 0) { // the guide's DDIM written out, from the same x_T
                NoiseSource noise = new NoiseSource(42, 0, 4, 1, 28, 28);
                try (OrtSession unet = OrtEnvironment.getEnvironment().createSession(onnx.toString(), new OrtSession.SessionOptions())) {
                    float[] plain = ddim(unet, Tensors.toFloats(noise.next()), new long[] {4, 1, 28, 28}, 10);
                    double worstPlain = 0;
                    for (int i = 0; i < want.length; i++) {
                        worstPlain = Math.max(worstPlain, Math.abs(want[i] - plain[i]));
                    }
                    assertTrue(worstPlain <= 1e-3, "DDIM written out: largest difference " + worstPlain);
                }
            }
        }
    }

    /** The guide's DDIM without ddpm4j: {@code steps} steps of η = 0 from {@code x} (x_T, overwritten) for the built-in model. */
    // docs/onnx.md:begin
    static float[] ddim(OrtSession unet, float[] x, long[] shape, int steps) throws OrtException {
        int T = 1000;                                   // scheduler_config.json: num_train_timesteps,
        double betaStart = 1e-4, betaEnd = 0.02;        // beta_start, beta_end ("linear")
        double[] alphaBar = new double[T];              // ᾱ_t = Π_{s≤t} (1 − β_s)
        double prod = 1;
        for (int t = 0; t < T; t++) {
            prod *= 1 - (betaStart + (betaEnd - betaStart) * t / (T - 1));
            alphaBar[t] = prod;
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        for (int i = steps - 1; i >= 0; i--) {
            int t = i * (T / steps);                    // "leading" spacing: 900, 800, ..., 0 for 10 steps
            double a = alphaBar[t], aPrev = i > 0 ? alphaBar[t - T / steps] : 1.0;
            float[] eps;
            try (OnnxTensor sample = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape);
                 OnnxTensor timestep = OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[] {t}), new long[] {1}); // all images
                 OrtSession.Result result = unet.run(Map.of("sample", sample, "timestep", timestep))) {
                FloatBuffer out = ((OnnxTensor) result.get("out_sample").orElseThrow()).getFloatBuffer();
                eps = new float[out.remaining()];
                out.get(eps);                           // prediction_type "epsilon"
            }
            for (int j = 0; j < x.length; j++) {
                double x0 = (x[j] - Math.sqrt(1 - a) * eps[j]) / Math.sqrt(a);
                x0 = Math.max(-1, Math.min(1, x0));     // clip_sample
                x[j] = (float) (Math.sqrt(aPrev) * x0 + Math.sqrt(1 - aPrev) * eps[j]);
            }
        }
        return x;                                       // x₀ in [-1, 1], NCHW
    }
    // docs/onnx.md:end

    /** The guide's code: 4 images of seed 42, with the model's own sampler (kind null) or {@code kind} with {@code steps}. */
    private static float[] sampleWithOnnxRuntime(Path onnx, SchedulerClass kind, int steps) throws Exception {
        // docs/onnx.md:begin
        SchedulerConfig scheduler = SchedulerConfig.parse(Files.readString(OnnxExport.schedulerPath(onnx)));
        Sampler sampler = kind == null ? Samplers.forModel(scheduler) // what `sample --model DIR` uses by default
                : Samplers.of(scheduler.with(kind), steps);            // or e.g. DDIM with 10 steps
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession unet = env.createSession(onnx.toString(), new OrtSession.SessionOptions());
             PointerScope scope = new PointerScope()) { // frees ddpm4j's step tensors
            long[] in = ((TensorInfo) unet.getInputInfo().get("sample").getInfo()).getShape(); // [-1 (any batch), C, H, W]
            int n = 4;
            Denoiser net = (x, t) -> { // ddpm4j's tensors in, the ONNX network's output back
                try (OnnxTensor sample = OnnxTensor.createTensor(env, FloatBuffer.wrap(Tensors.toFloats(x)), Tensors.shape(x));
                     OnnxTensor timestep = OnnxTensor.createTensor(env, FloatBuffer.wrap(Tensors.toFloats(t)), new long[] {t.numel()});
                     OrtSession.Result result = unet.run(Map.of("sample", sample, "timestep", timestep))) {
                    OnnxTensor out = (OnnxTensor) result.get("out_sample").orElseThrow();
                    float[] values = new float[(int) out.getInfo().getNumElements()];
                    out.getFloatBuffer().get(values);
                    return Tensors.fromFloats(values, out.getInfo().getShape());
                } catch (OrtException e) {
                    throw new IllegalStateException(e);
                }
            };
            NoiseSource noise = new NoiseSource(42, 0, n, in[1], in[2], in[3]); // seed 42, images 0..3: as `sample --seed 42`
            Tensor x0 = sampler.sample(net, noise.next(), noise, StepListener.NONE); // [-1, 1], NCHW
            return Tensors.toFloats(x0);
        }
        // docs/onnx.md:end
    }

    @Test
    void badRequestsAreOneLineRefusalsThatWriteNothing() {
        Path out = dir.resolve("x.onnx");
        String[][] cases = {
                {"--model", dir.resolve("missing").toString()},
                {"--model", "fashion-mnist", "--opset", "12"},
                {"--model", "fashion-mnist", "--opset", "22"},
                {"--model", "fashion-mnist", "--batch", "0"},
                {"--model", "fashion-mnist", "--batch", "many"},
                {"--model", "fashion-mnist", "--precision", "bf16"},
        };
        for (String[] c : cases) {
            Cli r = Cli.run(concat(concat(new String[] {"export", "onnx"}, c), new String[] {"--out", out.toString()}));
            assertEquals(2, r.exit, String.join(" ", c) + ": " + r.err);
            assertEquals(1, r.err.strip().lines().count(), String.join(" ", c) + ": " + r.err);
            assertFalse(Files.exists(out), String.join(" ", c));
        }
        for (String name : new String[] {"config.json", "model"}) { // only .onnx names: nothing else is overwritten
            Cli r = Cli.run("export", "onnx", "--model", "fashion-mnist", "--out", dir.resolve(name).toString());
            assertEquals(2, r.exit, r.err);
            assertTrue(r.err.contains("--out must end in .onnx"), r.err);
        }
        try {
            Files.createDirectories(dir.resolve("d.onnx"));
            Files.createDirectories(dir.resolve("e.scheduler_config.json"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Cli r = Cli.run("export", "onnx", "--model", "fashion-mnist", "--out", dir.resolve("d.onnx").toString());
        assertEquals(2, r.exit, r.err);
        assertTrue(r.err.contains("is a directory"), r.err);
        r = Cli.run("export", "onnx", "--model", "fashion-mnist", "--out", dir.resolve("e.onnx").toString());
        assertEquals(2, r.exit, r.err);
        assertTrue(r.err.contains("e.scheduler_config.json, where the scheduler configuration goes, is a directory"), r.err);
        assertFalse(Files.exists(dir.resolve("e.onnx")));
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}

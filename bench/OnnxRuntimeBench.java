import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ddpm4j.io.Builtins;
import ddpm4j.io.Model;
import ddpm4j.io.ModelDirectory;
import ddpm4j.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

/**
 * One network pass of a model at batch B: ddpm4j (libtorch, fp32) against ONNX Runtime on the graph `export onnx`
 * wrote for it, alternately, the median of R passes each (after 3 untimed), in ms; both on 2 threads. Run from source
 * against a built jar with ONNX Runtime on the class path:
 *
 *   ./ddpm4j export onnx --model fashion-mnist --out /tmp/fm.onnx
 *   java -cp "target/ddpm4j.jar:$(cat target/runtime-classpath.txt):$HOME/.m2/repository/com/microsoft/onnxruntime/onnxruntime/1.24.1/onnxruntime-1.24.1.jar" \
 *       bench/OnnxRuntimeBench.java fashion-mnist /tmp/fm.onnx 64 15
 */
public class OnnxRuntimeBench {
    public static void main(String[] args) throws Exception {
        int batch = Integer.parseInt(args[2]);
        int runs = Integer.parseInt(args[3]);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (Model m = ModelDirectory.load(Builtins.resolve(Builtins.Kind.MODEL, Path.of(args[0])));
             OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(2);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            try (OrtSession session = env.createSession(args[1], options)) {
                var c = m.unet().config();
                long[] shape = {batch, c.inChannels(), c.sampleSize(), c.sampleSize()};
                float[] x = new float[(int) Tensors.count(shape)];
                Random r = new Random(1);
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) r.nextGaussian();
                }
                float[] t = new float[batch];
                Arrays.fill(t, 500);
                double[] torchMs = new double[runs];
                double[] ortMs = new double[runs];
                for (int i = -3; i < runs; i++) {
                    try (PointerScope scope = new PointerScope()) {
                        long t0 = System.nanoTime();
                        Tensors.toFloats(m.unet().infer(Tensors.fromFloats(x, shape), Tensors.fromFloats(t, batch)));
                        if (i >= 0) torchMs[i] = (System.nanoTime() - t0) / 1e6;
                    }
                    long t0 = System.nanoTime();
                    try (OnnxTensor xs = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape);
                         OnnxTensor ts = OnnxTensor.createTensor(env, FloatBuffer.wrap(t), new long[] {batch});
                         OrtSession.Result out = session.run(Map.of("sample", xs, "timestep", ts))) {
                        ((OnnxTensor) out.get(0)).getFloatBuffer();
                    }
                    if (i >= 0) ortMs[i] = (System.nanoTime() - t0) / 1e6;
                }
                Arrays.sort(torchMs);
                Arrays.sort(ortMs);
                System.out.printf("batch %d: ddpm4j (libtorch fp32) %.1f ms, ONNX Runtime %.1f ms per network pass (median of %d)%n",
                        batch, torchMs[runs / 2], ortMs[runs / 2], runs);
            }
        }
    }
}

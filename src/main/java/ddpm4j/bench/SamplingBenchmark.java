package ddpm4j.bench;

import ddpm4j.nn.FlopCount;
import ddpm4j.nn.UNet2DModel;
import ddpm4j.nn.UNetConfig;
import ddpm4j.torch.Device;
import ddpm4j.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Times sampling steps: one inference-mode forward pass of a randomly initialised network per
 * step, median over the timed iterations after {@code warmupSeconds} of warm-up.
 */
public final class SamplingBenchmark {
    private SamplingBenchmark() {
    }

    public static BenchResult run(String preset, UNetConfig config, int batchSize, double warmupSeconds, int iterations,
                                  Device device, ddpm4j.torch.Precision precision) throws IOException {
        try (UNet2DModel model = new UNet2DModel(config, 0).to(device)) {
            model.setPrecision(precision);
            int s = config.sampleSize();
            int per = config.inChannels() * s * s;
            SplittableRandom random = new SplittableRandom(0);
            float[] x = new float[batchSize * per];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian();
            }
            long[] t = new long[batchSize];
            Arrays.fill(t, 500);
            double[] ms = Timing.measure(() -> {
                try (PointerScope scope = new PointerScope()) {
                    Tensor xt = device.put(Tensors.fromFloats(x, batchSize, config.inChannels(), s, s));
                    Tensor ts = device.put(Tensors.fromLongs(t, batchSize));
                    Tensor labels = config.classConditional() ? device.put(Tensors.fromLongs(new long[batchSize], batchSize)) : null;
                    device.synchronize();
                    long start = System.nanoTime();
                    model.infer(xt, ts, labels);
                    device.synchronize();
                    return (System.nanoTime() - start) / 1e6;
                }
            }, warmupSeconds, iterations);
            return BenchResult.of(preset, "sample", batchSize, ms, FlopCount.forward(config), model.parameterCount(),
                    model.precision());
        }
    }
}

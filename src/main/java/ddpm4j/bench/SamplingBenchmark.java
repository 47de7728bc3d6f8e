package ddpm4j.bench;

import ddpm4j.nn.UNet2DModel;
import ddpm4j.nn.UNetConfig;
import ddpm4j.torch.Tensors;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Times sampling steps: one inference-mode forward pass of a randomly initialised network per
 * step, median over the timed iterations after warm-up.
 */
public final class SamplingBenchmark {
    /**
     * @param preset      architecture name
     * @param batchSize   images per step
     * @param iterations  timed steps
     * @param msPerStep   median wall time of one step
     * @param imagesPerSecond batchSize / median step time
     * @param parameters  network size
     * @param peakRssBytes largest resident set seen during the run
     * @param threads     libtorch intra-op threads
     */
    public record Result(String preset, int batchSize, int iterations, double msPerStep, double imagesPerSecond,
                         long parameters, long peakRssBytes, int threads) {
    }

    private SamplingBenchmark() {
    }

    public static Result run(String preset, UNetConfig config, int batchSize, int warmup, int iterations) {
        try (UNet2DModel model = new UNet2DModel(config, 0)) {
            int s = config.sampleSize();
            int per = config.inChannels() * s * s;
            SplittableRandom random = new SplittableRandom(0);
            float[] x = new float[batchSize * per];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian();
            }
            long[] t = new long[batchSize];
            Arrays.fill(t, 500);
            double[] ms = new double[iterations];
            long peak = Pointer.physicalBytes();
            for (int i = -warmup; i < iterations; i++) {
                try (PointerScope scope = new PointerScope()) {
                    Tensor xt = Tensors.fromFloats(x, batchSize, config.inChannels(), s, s);
                    Tensor ts = Tensors.fromLongs(t, batchSize);
                    long start = System.nanoTime();
                    model.infer(xt, ts);
                    double elapsed = (System.nanoTime() - start) / 1e6;
                    if (i >= 0) {
                        ms[i] = elapsed;
                    }
                }
                peak = Math.max(peak, Pointer.physicalBytes());
            }
            Arrays.sort(ms);
            double median = iterations % 2 == 1 ? ms[iterations / 2] : (ms[iterations / 2 - 1] + ms[iterations / 2]) / 2;
            return new Result(preset, batchSize, iterations, median, batchSize * 1000.0 / median, model.parameterCount(),
                    peak, org.bytedeco.pytorch.global.torch.get_num_threads());
        }
    }
}

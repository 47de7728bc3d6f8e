package ddpm4j.bench;

import ddpm4j.torch.ConvCheck;
import ddpm4j.torch.Convolutions;
import ddpm4j.torch.Cpu;

import java.util.Arrays;
import java.util.List;

/**
 * One benchmark's figures.
 *
 * @param preset          architecture name
 * @param mode            sample (inference forward passes) or train (full training steps)
 * @param batchSize       images per step
 * @param iterations      timed steps
 * @param msPerStep       median wall time of one step
 * @param msFastest       the fastest timed step
 * @param msSlowest       the slowest timed step (their spread shows a machine whose speed changes)
 * @param imagesPerSecond batchSize / median step time
 * @param gflopPerImage   analytic FLOPs per image per step (training: 3 × the forward pass, for
 *                        the forward, the input gradients and the weight gradients)
 * @param gflops          achieved GFLOP/s at the median step time
 * @param parameters      network size
 * @param peakRssMb       the process's highest resident set so far, MiB (-1 where unknown)
 * @param threads         libtorch intra-op threads
 * @param precision       the network's arithmetic (fp32 or bf16)
 * @param convolutions    the path each convolution shape of the process took, after its self-check
 * @param cpu             the CPU it ran on ({@link Cpu#describe()})
 */
public record BenchResult(String preset, String mode, int batchSize, int iterations, double msPerStep,
                          double msFastest, double msSlowest, double imagesPerSecond, double gflopPerImage, double gflops, long parameters,
                          double peakRssMb, int threads, String precision, List<ConvCheck> convolutions,
                          String cpu) {

    /** The result for step times {@code ms} (any order). */
    static BenchResult of(String preset, String mode, int batchSize, double[] ms, double flopPerImage, long parameters,
                          ddpm4j.torch.Precision precision) {
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        double median = Timing.median(ms);
        double images = batchSize * 1000.0 / median;
        return new BenchResult(preset, mode, batchSize, n, median, sorted[0], sorted[n - 1], images, flopPerImage / 1e9, images * flopPerImage / 1e9,
                parameters, ddpm4j.io.ProcessMemory.peakResidentMb().orElse(-1), org.bytedeco.pytorch.global.torch.get_num_threads(),
                precision.toString(), Convolutions.checks(), Cpu.current().describe());
    }
}

import ddpm4j.diffusion.Denoiser;
import ddpm4j.sample.NoiseSource;
import ddpm4j.sample.Samplers;
import ddpm4j.sample.StepListener;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.torch.Natives;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * The samplers' own cost, without a network: 20 inference steps of each scheduler on [64,1,28,28] with a "network" of
 * one multiply, the median of R runs (after 3 untimed) in ms. Run from source against a built jar, for two builds
 * alternately to compare a change to sample/:
 *
 *   java -cp "target/ddpm4j.jar:$(cat target/runtime-classpath.txt)" bench/SamplerLoopBench.java DDIMScheduler,EulerDiscreteScheduler 9
 */
public class SamplerLoopBench {
    public static void main(String[] args) {
        Natives.load();
        Denoiser net = (x, t) -> x.mul(new Scalar(0.5));
        String[] classes = args[0].split(",");
        int runs = Integer.parseInt(args[1]);
        for (String cls : classes) {
            SchedulerConfig c = SchedulerConfig.parse("{\"_class_name\": \"" + cls + "\"}");
            var sampler = Samplers.of(c, 20);
            double[] ms = new double[runs];
            for (int r = -3; r < runs; r++) {
                try (PointerScope scope = new PointerScope()) {
                    NoiseSource noise = new NoiseSource(1, 0, 64, 1, 28, 28);
                    Tensor xT = noise.next();
                    long t0 = System.nanoTime();
                    sampler.sample(net, xT, noise, StepListener.NONE);
                    if (r >= 0) ms[r] = (System.nanoTime() - t0) / 1e6;
                }
            }
            java.util.Arrays.sort(ms);
            System.out.printf("%s %.2f%n", cls, ms[runs / 2]);
        }
    }
}

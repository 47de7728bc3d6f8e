package example;

import ddpm4j.io.Builtins;
import ddpm4j.io.Images;
import ddpm4j.io.Model;
import ddpm4j.io.ModelDirectory;
import ddpm4j.io.Npy;
import ddpm4j.nn.UNetConfig;
import ddpm4j.sample.NoiseSource;
import ddpm4j.sample.Sampler;
import ddpm4j.sample.Samplers;
import ddpm4j.sample.StepListener;
import ddpm4j.schedule.SchedulerClass;
import ddpm4j.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;

/** Samples 16 images from ddpm4j's built-in Fashion-MNIST model into OUT/samples.png and OUT/samples.npy. */
public final class SampleBuiltin {
    public static void main(String[] args) throws Exception {
        Path out = Files.createDirectories(Path.of(args.length > 0 ? args[0] : "example"));
        // README:begin
        Path dir = Builtins.resolve(Builtins.Kind.MODEL, Path.of("fashion-mnist")); // or any model directory
        try (Model m = ModelDirectory.load(dir); PointerScope scope = new PointerScope()) { // the scope frees the step tensors
            UNetConfig net = m.unet().config();
            int n = 16, c = net.inChannels(), s = net.sampleSize();
            Sampler sampler = Samplers.of(m.scheduler().with(SchedulerClass.UNIPC), 10); // 10 network passes
            NoiseSource noise = new NoiseSource(42, 0, n, c, s, s); // seed 42, images 0..15: as `sample --seed 42`
            Tensor x0 = sampler.sample(m.unet()::infer, noise.next(), noise, StepListener.NONE); // [-1, 1], NCHW
            byte[] images = Images.toUint8Nhwc(Tensors.toFloats(x0), n, c, s, s);
            Images.writeGrid(out.resolve("samples.png"), images, n, s, s, c);
            Npy.writeBytes(out.resolve("samples.npy"), new long[] {n, s, s, c}, images); // uint8 [N,H,W,C]
        }
        // README:end
        System.out.println("wrote " + out.resolve("samples.png") + " and " + out.resolve("samples.npy"));
    }
}

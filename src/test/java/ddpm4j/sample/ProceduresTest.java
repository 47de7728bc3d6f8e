package ddpm4j.sample;

import ddpm4j.diffusion.Denoiser;
import ddpm4j.schedule.NoiseSchedule;
import ddpm4j.schedule.SchedulerClass;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.torch.Device;
import ddpm4j.torch.Natives;
import ddpm4j.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The paper's figure procedures and the batch loop, against closed forms rather than picture sizes. */
class ProceduresTest {
    static final SchedulerConfig PAPER = SchedulerConfig.paper();
    static final long[] IMAGE = {1, 4, 4};

    @TempDir
    Path dir;

    @BeforeAll
    static void natives() {
        Natives.load();
    }

    /** ε̂ = x_t / 2 whatever t: no network, and not the identity either. */
    static Tensor half(Tensor xt, Tensor t) {
        return xt.mul(new Scalar(0.5));
    }

    /** Records the inputs of every pass before handing them to {@link #half}. */
    static final class Recording implements Denoiser {
        final List<float[]> inputs = new ArrayList<>();
        final List<float[]> timesteps = new ArrayList<>();

        @Override
        public Tensor apply(Tensor xt, Tensor t) {
            inputs.add(Tensors.toFloats(xt));
            timesteps.add(Tensors.toFloats(t));
            return half(xt, t);
        }
    }

    private static Tensor image(long seed) {
        return new NoiseSource(seed, 0, 1, IMAGE).next().tanh(); // in (−1, 1), as data in model space
    }

    @Test
    void sharedLatentRowsAllStartFromTheDataImageNoisedByEquation4() {
        try (PointerScope scope = new PointerScope()) {
            int t = 300;
            Tensor x0 = image(3);
            Recording model = new Recording();
            SharedLatent.Result r = SharedLatent.run(Samplers.ancestral(PAPER), model, x0, t, 3, 11, StepListener.NONE);
            // x_t = √ᾱ_t x₀ + √(1−ᾱ_t) ε, ε the noise of (seed, image 0)
            NoiseSchedule s = new NoiseSchedule(PAPER.betas());
            float[] eps = Tensors.toFloats(new NoiseSource(11, 0, 1, IMAGE).next());
            float[] x = Tensors.toFloats(x0);
            for (int i = 0; i < x.length; i++) {
                assertEquals(Math.sqrt(s.alphaBar(t)) * x[i] + Math.sqrt(1 - s.alphaBar(t)) * eps[i], r.xt()[i], 1e-5);
            }
            assertEquals(t + 1, model.inputs.size(), "passes t, t−1, ..., 0");
            float[] first = model.inputs.get(0);
            for (int row = 0; row < 3; row++) {
                assertArrayEquals(r.xt(), Arrays.copyOfRange(first, row * 16, row * 16 + 16), "row " + row + " starts from x_t");
            }
            assertArrayEquals(new float[] {t, t, t}, model.timesteps.get(0));
            float[] c = r.completions();
            assertFalse(Arrays.equals(Arrays.copyOfRange(c, 0, 16), Arrays.copyOfRange(c, 16, 32)), "each completion its own noise");
        }
    }

    @Test
    void progressiveX0AtTheLastStepIsTheSampleAndTheShownStepsAreVisitedOnes() {
        try (PointerScope scope = new PointerScope()) {
            for (SchedulerClass cls : new SchedulerClass[] {SchedulerClass.DDPM, SchedulerClass.DDIM}) {
                TracedSampler sampler = Samplers.of(PAPER.with(cls), cls == SchedulerClass.DDPM ? 1000 : 20);
                NoiseSource noise = new NoiseSource(5, 0, 2, IMAGE);
                ProgressiveGeneration.Result r = ProgressiveGeneration.run(sampler, ProceduresTest::half, noise.next(), noise,
                        new int[] {999, 500, 3, 0}, StepListener.NONE);
                int last = r.steps().length - 1;
                assertEquals(0, r.steps()[last], cls.toString());
                for (int t : r.steps()) {
                    assertTrue(Arrays.stream(sampler.timesteps()).anyMatch(v -> v == t), t + " is visited by " + cls);
                }
                // at t = 0 both samplers return x̂₀ itself (ᾱ_{−1} = 1: no noise and no x_t term left)
                assertArrayEquals(r.samples(), r.x0()[last], 1e-5f, cls.toString());
                assertFalse(Arrays.equals(r.samples(), r.x0()[0]), "x̂₀ at the first step is not yet the sample");
            }
        }
        assertArrayEquals(new int[] {900, 500, 0}, ProgressiveGeneration.nearestVisited(new int[] {900, 800, 500, 100, 0}, new int[] {0, 999, 520, 3}));
    }

    @Test
    void generationGivesEachImageItsOwnNoiseWhateverTheBatchAndStartsFromAGivenStart() {
        try (PointerScope scope = new PointerScope()) {
            Sampler ddim = Samplers.of(PAPER.with(SchedulerClass.DDIM), 10);
            int[] told = {0};
            float[] whole = Generation.generate(ProceduresTest::half, Device.CPU, ddim, 7, 5, 5, IMAGE, null, n -> told[0] += n);
            assertEquals(5 * 10, told[0], "every image's every pass reported");
            float[] batched = Generation.generate(ProceduresTest::half, Device.CPU, ddim, 7, 5, 2, IMAGE, null, n -> { });
            assertArrayEquals(whole, batched, 1e-6f);
            // image 3 alone, from its own seeded noise given as the start: the same image
            float[] start = Tensors.toFloats(new NoiseSource(7, 3, 1, IMAGE).next());
            float[] alone = Generation.generate(ProceduresTest::half, Device.CPU, ddim, 99, 1, 1, IMAGE, start, n -> { });
            assertArrayEquals(Arrays.copyOfRange(whole, 3 * 16, 4 * 16), alone, 1e-6f);
            // a network per batch is asked for exactly the images of each batch
            List<String> asked = new ArrayList<>();
            Generation.generateEach((first, n) -> {
                asked.add(first + "+" + n);
                return ProceduresTest::half;
            }, Device.CPU, ddim, 7, 5, 2, IMAGE, null, n -> { });
            assertEquals(List.of("0+2", "2+2", "4+1"), asked);
        }
    }

    @Test
    void theAnimationShowsTheNoiseFirstAndTheSamplesLastInAtMostAHundredFrames() throws Exception {
        try (PointerScope scope = new PointerScope()) {
            for (int steps : new int[] {10, 1000}) {
                TracedSampler sampler = Samplers.of(PAPER.with(SchedulerClass.DDIM), steps);
                NoiseSource noise = new NoiseSource(2, 0, 2, IMAGE);
                Tensor xT = noise.next();
                Path gif = dir.resolve("a" + steps + ".gif");
                Tensor out = DenoisingAnimation.write(gif, sampler, ProceduresTest::half, xT, noise, 1, StepListener.NONE);
                List<BufferedImage> frames = frames(gif);
                assertEquals(steps == 10 ? 11 : 92, frames.size(), steps + " steps");
                BufferedImage noiseGrid = ddpm4j.io.Images.grid(ddpm4j.io.Images.toUint8Nhwc(Tensors.toFloats(xT), 2, 1, 4, 4), 2, 4, 4, 1, 1);
                BufferedImage sampleGrid = ddpm4j.io.Images.grid(ddpm4j.io.Images.toUint8Nhwc(Tensors.toFloats(out), 2, 1, 4, 4), 2, 4, 4, 1, 1);
                assertSameGrid(noiseGrid, frames.get(0), 0);
                assertSameGrid(sampleGrid, frames.get(frames.size() - 1), noiseGrid.getWidth() + 8);
            }
        }
    }

    private static void assertSameGrid(BufferedImage want, BufferedImage frame, int left) {
        for (int y = 0; y < want.getHeight(); y++) {
            for (int x = 0; x < want.getWidth(); x++) {
                int a = want.getRGB(x, y) & 0xff;
                int b = frame.getRGB(left + x, y) & 0xff;
                assertTrue(Math.abs(a - b) <= 1, "pixel (" + x + ", " + y + "): " + a + " against " + b);
            }
        }
    }

    private static List<BufferedImage> frames(Path gif) throws Exception {
        List<BufferedImage> out = new ArrayList<>();
        try (ImageInputStream in = ImageIO.createImageInputStream(gif.toFile())) {
            ImageReader reader = ImageIO.getImageReadersByFormatName("gif").next();
            reader.setInput(in);
            for (int i = 0, n = reader.getNumImages(true); i < n; i++) {
                out.add(reader.read(i));
            }
            reader.dispose();
        }
        return out;
    }
}

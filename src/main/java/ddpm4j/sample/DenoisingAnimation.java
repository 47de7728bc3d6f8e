package ddpm4j.sample;

import ddpm4j.diffusion.Denoiser;
import ddpm4j.io.Gif;
import ddpm4j.io.Images;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Tensor;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A GIF of sampling: each frame shows the current x_t (left) and the prediction x̂₀ (right) for a
 * grid of images, from pure noise to the final samples; at most about 100 frames (long samplers
 * show every k-th step, always the last).
 */
public final class DenoisingAnimation {
    private static final int MAX_FRAMES = 100;

    private DenoisingAnimation() {
    }

    /** A loop run while its steps are drawn: each step shown to the trajectory given, the final samples returned. */
    @FunctionalInterface
    public interface Loop {
        Tensor run(Trajectory trajectory);
    }

    /** Samples with {@code sampler} from {@code xT} and writes the animation; returns the final samples. */
    public static Tensor write(Path file, TracedSampler sampler, Denoiser model, Tensor xT, NoiseSource noise, int zoom,
                               StepListener listener) throws IOException {
        return write(file, xT, xT, sampler.passes(), tr -> sampler.sample(model, xT, noise, listener, tr), zoom);
    }

    /**
     * Runs {@code loop} and writes the animation of its steps; returns its result.
     *
     * @param first    the first frame's x_t (left), [N,C,H,W]
     * @param firstX0  the first frame's right side: the input an edit starts from, or x_t again
     * @param passes   the steps the loop shows, indexed 0 … passes − 1 (or from a later start up to passes − 1)
     */
    public static Tensor write(Path file, Tensor first, Tensor firstX0, int passes, Loop loop, int zoom) throws IOException {
        int n = (int) first.size(0);
        int c = (int) first.size(1);
        int h = (int) first.size(2);
        int w = (int) first.size(3);
        List<BufferedImage> frames = new ArrayList<>();
        frames.add(frame(Tensors.toFloats(first), Tensors.toFloats(firstX0), n, c, h, w, zoom));
        int stride = (passes + MAX_FRAMES - 3) / (MAX_FRAMES - 2); // the noise and the last frame come on top
        Tensor out = loop.run((index, t, next, x0) -> {
            if ((index + 1) % stride == 0 || index == passes - 1) {
                frames.add(frame(Tensors.toFloats(next), Tensors.toFloats(x0), n, c, h, w, zoom));
            }
        });
        Gif.write(file, frames, 80, 2000);
        return out;
    }

    private static BufferedImage frame(float[] xt, float[] x0, int n, int c, int h, int w, int zoom) {
        BufferedImage left = Images.grid(Images.toUint8Nhwc(xt, n, c, h, w), n, h, w, c, zoom);
        BufferedImage right = Images.grid(Images.toUint8Nhwc(x0, n, c, h, w), n, h, w, c, zoom);
        BufferedImage both = new BufferedImage(left.getWidth() * 2 + 8, left.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = both.createGraphics();
        g.setColor(java.awt.Color.WHITE);
        g.fillRect(0, 0, both.getWidth(), both.getHeight());
        g.drawImage(left, 0, 0, null);
        g.drawImage(right, left.getWidth() + 8, 0, null);
        g.dispose();
        return both;
    }
}

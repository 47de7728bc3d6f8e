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

    /** Samples with {@code sampler} from {@code xT} and writes the animation; returns the final samples. */
    public static Tensor write(Path file, TracedSampler sampler, Denoiser model, Tensor xT, NoiseSource noise, int zoom,
                               StepListener listener) throws IOException {
        int n = (int) xT.size(0);
        int c = (int) xT.size(1);
        int h = (int) xT.size(2);
        int w = (int) xT.size(3);
        List<BufferedImage> frames = new ArrayList<>();
        frames.add(frame(Tensors.toFloats(xT), Tensors.toFloats(xT), n, c, h, w, zoom));
        int stride = (sampler.steps() + MAX_FRAMES - 3) / (MAX_FRAMES - 2); // the noise and the last frame come on top
        Tensor out = sampler.sample(model, xT, noise, listener, (index, t, next, x0) -> {
            if ((index + 1) % stride == 0 || index == sampler.steps() - 1) {
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

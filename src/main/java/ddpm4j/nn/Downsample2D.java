package ddpm4j.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Stride-2 3×3 convolution ({@code downsamplers.0.conv}). With padding 0 the input is first padded
 * by one zero row and column at the bottom and right (0,1,0,1), as TensorFlow's 'SAME' does in the
 * original code.
 */
public final class Downsample2D extends Layer {
    private final Conv2d conv;
    private final boolean asymmetricPad;

    Downsample2D(long channels, int padding) {
        this.asymmetricPad = padding == 0;
        this.conv = child("conv", new Conv2d(channels, channels, 3, 2, padding, 1.0));
    }

    public Tensor forward(Tensor x) {
        Tensor in = asymmetricPad ? torch.constant_pad_nd(x, 0, 1, 0, 1) : x;
        return conv.forward(in);
    }

    String trace(GraphBuilder g, String x) {
        return conv.trace(g, x, asymmetricPad ? 1 : 0);
    }
}

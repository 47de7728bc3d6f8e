package ddpm4j.nn;

import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.DoubleArrayRefOptional;
import org.bytedeco.pytorch.LongArrayRef;
import org.bytedeco.pytorch.LongArrayRefOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Nearest-neighbour ×2 upsampling, then a 3×3 convolution ({@code upsamplers.0.conv}). */
public final class Upsample2D extends Layer {
    private final Conv2d conv;

    Upsample2D(long channels) {
        this.conv = child("conv", Conv2d.same3x3(channels, channels, 1.0));
    }

    public Tensor forward(Tensor x) {
        return conv.forward(nearest2x(x));
    }

    String trace(GraphBuilder g, String x) {
        return conv.trace(g, g.nearest2x(x));
    }

    /** Nearest-neighbour ×2 in height and width. */
    static Tensor nearest2x(Tensor x) {
        // The ArrayRef only views native memory: keep the LongPointer referenced until the call returns.
        LongPointer size = new LongPointer(x.size(2) * 2, x.size(3) * 2);
        Tensor up = torch.upsample_nearest2d(x, new LongArrayRefOptional(new LongArrayRef(size, 2)),
                new DoubleArrayRefOptional());
        size.close();
        return up;
    }
}

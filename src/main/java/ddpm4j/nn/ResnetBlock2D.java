package ddpm4j.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The residual block of the original U-Net: GroupNorm → SiLU → conv3×3 → + Linear(SiLU(temb)) →
 * GroupNorm → SiLU → dropout → conv3×3, added to the input (through a 1×1 conv when the channel
 * count changes).
 */
public final class ResnetBlock2D extends Layer {
    private final GroupNorm norm1;
    private final Conv2d conv1;
    private final Linear timeEmbProj;
    private final GroupNorm norm2;
    private final Conv2d conv2;
    private final Conv2d convShortcut;
    private final double dropout;
    private final double outputScale;

    ResnetBlock2D(long in, long out, long tembChannels, long groups, double eps, double dropout, double outputScale) {
        this.norm1 = child("norm1", new GroupNorm(groups, in, eps));
        this.conv1 = child("conv1", Conv2d.same3x3(in, out, 1.0));
        this.timeEmbProj = child("time_emb_proj", new Linear(tembChannels, out, 1.0));
        this.norm2 = child("norm2", new GroupNorm(groups, out, eps));
        this.conv2 = child("conv2", Conv2d.same3x3(out, out, WeightInit.ZERO_SCALE));
        this.convShortcut = in == out ? null
                : child("conv_shortcut", new Conv2d(in, out, 1, 1, 0, 1.0));
        this.dropout = dropout;
        this.outputScale = outputScale;
    }

    public Tensor forward(Tensor x, Tensor temb) {
        Tensor h = conv1.forward(torch.silu(norm1.forward(x)));
        Tensor t = timeEmbProj.forward(torch.silu(temb));
        h = h.add(t.unsqueeze(2).unsqueeze(3));
        h = torch.silu(norm2.forward(h));
        if (dropout > 0 && is_training()) {
            h = torch.dropout(h, dropout, true);
        }
        h = conv2.forward(h);
        Tensor skip = convShortcut == null ? x : convShortcut.forward(x);
        Tensor sum = skip.add(h);
        return outputScale == 1.0 ? sum : sum.div(new org.bytedeco.pytorch.Scalar(outputScale));
    }
}

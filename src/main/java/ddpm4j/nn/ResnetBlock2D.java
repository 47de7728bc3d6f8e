package ddpm4j.nn;

import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The residual block of the original U-Net: GroupNorm → SiLU → conv3×3 → + Linear(SiLU(temb)) →
 * GroupNorm → SiLU → dropout → conv3×3, added to the input (through a 1×1 conv when the channel
 * count changes). ADM's variants (Dhariwal &amp; Nichol 2021): AdaGN, GroupNorm(h)·(1 + scale) + shift with
 * [scale, shift] = Linear(SiLU(temb)), and a block that resamples (nearest ×2 or 2×2 average pooling) both
 * paths after the first SiLU.
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
    private final boolean scaleShift;
    private final Resample resample;

    /** How a block changes the size of its input: not at all, ×2 (nearest) or ½ (2×2 average pooling). */
    enum Resample {
        NONE, UP, DOWN;

        String trace(GraphBuilder g, String x) {
            return switch (this) {
                case NONE -> x;
                case UP -> g.nearest2x(x);
                case DOWN -> g.node("AveragePool", java.util.Map.of("kernel_shape", new long[] {2, 2}, "strides", new long[] {2, 2}), x);
            };
        }

        Tensor apply(Tensor x) {
            return switch (this) {
                case NONE -> x;
                case UP -> Upsample2D.nearest2x(x);
                case DOWN -> torch.avg_pool2d(x, new long[] {2, 2}, new long[] {2, 2}, new long[] {0, 0}, false, true, new LongOptional());
            };
        }
    }

    /** The block of {@code config}'s time conditioning, {@code in → out} channels, resampling as {@code resample} says. */
    ResnetBlock2D(UNetConfig config, long in, long out, double outputScale, Resample resample) {
        this(in, out, config.timeEmbedChannels(), config.normNumGroups(), config.normEps(), config.dropout(), outputScale,
                config.scaleShift(), resample);
    }

    ResnetBlock2D(long in, long out, long tembChannels, long groups, double eps, double dropout, double outputScale,
                  boolean scaleShift, Resample resample) {
        this.norm1 = child("norm1", new GroupNorm(groups, in, eps));
        this.conv1 = child("conv1", Conv2d.same3x3(in, out, 1.0));
        this.timeEmbProj = child("time_emb_proj", new Linear(tembChannels, scaleShift ? 2 * out : out, 1.0));
        this.norm2 = child("norm2", new GroupNorm(groups, out, eps));
        this.conv2 = child("conv2", Conv2d.same3x3(out, out, WeightInit.ZERO_SCALE));
        this.convShortcut = in == out ? null
                : child("conv_shortcut", new Conv2d(in, out, 1, 1, 0, 1.0));
        this.dropout = dropout;
        this.outputScale = outputScale;
        this.scaleShift = scaleShift;
        this.resample = resample;
    }

    public Tensor forward(Tensor x, Tensor temb) {
        Tensor h = resample.apply(torch.silu(norm1.forward(x)));
        x = resample.apply(x);
        h = conv1.forward(h);
        Tensor t = timeEmbProj.forward(torch.silu(temb)).unsqueeze(2).unsqueeze(3);
        if (scaleShift) {
            long c = h.size(1);
            Tensor scale = t.narrow(1, 0, c);
            Tensor shift = t.narrow(1, c, c);
            h = norm2.forward(h).mul(scale.add(new org.bytedeco.pytorch.Scalar(1.0))).add(shift); // AdaGN
        } else {
            h = norm2.forward(h.add(t));
        }
        h = torch.silu(h);
        if (dropout > 0 && is_training()) {
            h = torch.dropout(h, dropout, true);
        }
        h = conv2.forward(h);
        Tensor skip = convShortcut == null ? x : convShortcut.forward(x);
        Tensor sum = skip.add(h);
        return outputScale == 1.0 ? sum : sum.div(new org.bytedeco.pytorch.Scalar(outputScale));
    }

    /** {@link #forward} in {@code g} (inference: no dropout). */
    String trace(GraphBuilder g, String x, String temb) {
        String h = resample.trace(g, g.silu(norm1.trace(g, x)));
        x = resample.trace(g, x);
        h = conv1.trace(g, h);
        String t = g.unsqueeze(timeEmbProj.trace(g, g.silu(temb)), 2, 3);
        if (scaleShift) {
            long c = conv1.outChannels();
            String scale = g.slice(t, 1, 0, c);
            String shift = g.slice(t, 1, c, 2 * c);
            h = g.add(g.mul(norm2.trace(g, h), g.add(scale, g.constant(new float[] {1f}))), shift); // AdaGN
        } else {
            h = norm2.trace(g, g.add(h, t));
        }
        h = conv2.trace(g, g.silu(h));
        String sum = g.add(convShortcut == null ? x : convShortcut.trace(g, x), h);
        return outputScale == 1.0 ? sum : g.divide(sum, outputScale);
    }
}

package ddpm4j.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.List;

/**
 * One resolution level of the decoder ({@code UpBlock2D} / {@code AttnUpBlock2D} / ADM's
 * {@code ResnetUpsampleBlock2D}): layers_per_block + 1 ResBlocks, each fed the previous output
 * concatenated with the latest unused skip, then an optional upsampler: nearest ×2 and a convolution, or a
 * ResBlock that upsamples ({@code ResnetUpsampleBlock2D}, and {@code AttnUpBlock2D} with {@code upsample_type} resnet).
 */
final class UpBlock extends Layer {
    private final ModuleList<ResnetBlock2D> resnets;
    private final ModuleList<Attention> attentions;
    private final Upsample2D convUpsampler;
    private final ResnetBlock2D resnetUpsampler;

    /**
     * @param in         channels of the skip that the last ResBlock consumes (next level down)
     * @param out        channels of this level
     * @param prevOut    channels arriving from the level below
     * @param type       one of {@link UNetConfig}'s up block types
     */
    UpBlock(UNetConfig c, String type, int in, int out, int prevOut, boolean upsample) {
        boolean attention = type.equals(UNetConfig.ATTN_UP);
        resnets = child("resnets", new ModuleList<>());
        attentions = attention ? child("attentions", new ModuleList<>()) : null;
        int layers = c.layersPerBlock() + 1;
        for (int i = 0; i < layers; i++) {
            int skip = i == layers - 1 ? in : out;
            int resIn = i == 0 ? prevOut : out;
            resnets.add(new ResnetBlock2D(c, resIn + skip, out, 1.0, ResnetBlock2D.Resample.NONE));
            if (attention) {
                attentions.add(new Attention(out, DownBlock.heads(c, out), c.normNumGroups(), c.normEps(), 1.0));
            }
        }
        boolean byResnet = c.resnetUpsample(type);
        ModuleList<Layer> samplers = upsample ? child("upsamplers", new ModuleList<>()) : null;
        convUpsampler = upsample && !byResnet ? samplers.add(new Upsample2D(out)) : null;
        resnetUpsampler = upsample && byResnet ? samplers.add(new ResnetBlock2D(c, out, out, 1.0, ResnetBlock2D.Resample.UP)) : null;
    }

    Tensor forward(Tensor x, Tensor temb, List<Tensor> skips) {
        for (int i = 0; i < resnets.size(); i++) {
            Tensor skip = skips.remove(skips.size() - 1);
            if (skip.size(2) != x.size(2) || skip.size(3) != x.size(3)) {
                throw new IllegalArgumentException("input size is not divisible by 2^(levels-1): a skip of "
                        + skip.size(2) + "x" + skip.size(3) + " meets " + x.size(2) + "x" + x.size(3));
            }
            x = resnets.get(i).forward(torch.cat(new TensorVector(x, skip), 1), temb);
            if (attentions != null) {
                x = attentions.get(i).forward(x);
            }
        }
        return convUpsampler != null ? convUpsampler.forward(x) : resnetUpsampler != null ? resnetUpsampler.forward(x, temb) : x;
    }

    String trace(GraphBuilder g, String x, String temb, List<String> skips) {
        for (int i = 0; i < resnets.size(); i++) {
            x = resnets.get(i).trace(g, g.concat(1, x, skips.remove(skips.size() - 1)), temb);
            if (attentions != null) {
                x = attentions.get(i).trace(g, x);
            }
        }
        return convUpsampler != null ? convUpsampler.trace(g, x) : resnetUpsampler != null ? resnetUpsampler.trace(g, x, temb) : x;
    }
}

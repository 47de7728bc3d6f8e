package ddpm4j.nn;

import org.bytedeco.pytorch.Tensor;

import java.util.List;

/**
 * One resolution level of the encoder ({@code DownBlock2D}, {@code AttnDownBlock2D} with attention after
 * each ResBlock, or ADM's {@code ResnetDownsampleBlock2D}), then an optional downsampler: a stride-2
 * convolution, or a ResBlock that average-pools ({@code ResnetDownsampleBlock2D}, and
 * {@code AttnDownBlock2D} with {@code downsample_type} resnet). Every output is kept as a skip.
 */
final class DownBlock extends Layer {
    private final ModuleList<ResnetBlock2D> resnets;
    private final ModuleList<Attention> attentions;
    private final Downsample2D convDownsampler;
    private final ResnetBlock2D resnetDownsampler;

    /** @param type one of {@link UNetConfig}'s down block types */
    DownBlock(UNetConfig c, String type, int in, int out, boolean downsample) {
        boolean attention = type.equals(UNetConfig.ATTN_DOWN);
        resnets = child("resnets", new ModuleList<>());
        attentions = attention ? child("attentions", new ModuleList<>()) : null;
        for (int i = 0; i < c.layersPerBlock(); i++) {
            resnets.add(new ResnetBlock2D(c, i == 0 ? in : out, out, 1.0, ResnetBlock2D.Resample.NONE));
            if (attention) {
                attentions.add(new Attention(out, heads(c, out), c.normNumGroups(), c.normEps(), 1.0));
            }
        }
        boolean byResnet = c.resnetDownsample(type);
        ModuleList<Layer> samplers = downsample ? child("downsamplers", new ModuleList<>()) : null;
        convDownsampler = downsample && !byResnet ? samplers.add(new Downsample2D(out, c.downsamplePadding())) : null;
        resnetDownsampler = downsample && byResnet
                ? samplers.add(new ResnetBlock2D(c, out, out, 1.0, ResnetBlock2D.Resample.DOWN)) : null;
    }

    static long heads(UNetConfig c, int channels) {
        return c.attentionHeadDim() == null ? 1 : channels / c.attentionHeadDim();
    }

    Tensor forward(Tensor x, Tensor temb, List<Tensor> skips) {
        for (int i = 0; i < resnets.size(); i++) {
            x = resnets.get(i).forward(x, temb);
            if (attentions != null) {
                x = attentions.get(i).forward(x);
            }
            skips.add(x);
        }
        if (convDownsampler != null || resnetDownsampler != null) {
            x = convDownsampler != null ? convDownsampler.forward(x) : resnetDownsampler.forward(x, temb);
            skips.add(x);
        }
        return x;
    }

    String trace(GraphBuilder g, String x, String temb, List<String> skips) {
        for (int i = 0; i < resnets.size(); i++) {
            x = resnets.get(i).trace(g, x, temb);
            if (attentions != null) {
                x = attentions.get(i).trace(g, x);
            }
            skips.add(x);
        }
        if (convDownsampler != null || resnetDownsampler != null) {
            x = convDownsampler != null ? convDownsampler.trace(g, x) : resnetDownsampler.trace(g, x, temb);
            skips.add(x);
        }
        return x;
    }
}

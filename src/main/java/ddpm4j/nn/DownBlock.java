package ddpm4j.nn;

import org.bytedeco.pytorch.Tensor;

import java.util.List;

/**
 * One resolution level of the encoder ({@code DownBlock2D}, or {@code AttnDownBlock2D} with
 * attention after each ResBlock), then an optional downsampler. Every output is kept as a skip.
 */
final class DownBlock extends Layer {
    private final ModuleList<ResnetBlock2D> resnets;
    private final ModuleList<Attention> attentions;
    private final Downsample2D downsampler;

    DownBlock(UNetConfig c, int in, int out, boolean attention, boolean downsample) {
        resnets = child("resnets", new ModuleList<>());
        attentions = attention ? child("attentions", new ModuleList<>()) : null;
        for (int i = 0; i < c.layersPerBlock(); i++) {
            resnets.add(new ResnetBlock2D(i == 0 ? in : out, out, c.timeEmbedChannels(), c.normNumGroups(),
                    c.normEps(), c.dropout(), 1.0));
            if (attention) {
                attentions.add(new Attention(out, heads(c, out), c.normNumGroups(), c.normEps(), 1.0));
            }
        }
        downsampler = downsample
                ? child("downsamplers", new ModuleList<Downsample2D>())
                        .add(new Downsample2D(out, c.downsamplePadding()))
                : null;
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
        if (downsampler != null) {
            x = downsampler.forward(x);
            skips.add(x);
        }
        return x;
    }
}

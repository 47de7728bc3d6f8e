package ddpm4j.nn;

import org.bytedeco.pytorch.Tensor;

/** The bottleneck ({@code UNetMidBlock2D}): ResBlock → self-attention → ResBlock at the lowest resolution. */
final class MidBlock extends Layer {
    private final ModuleList<ResnetBlock2D> resnets;
    private final ModuleList<Attention> attentions;

    MidBlock(UNetConfig c, int channels) {
        double scale = c.midBlockScaleFactor();
        resnets = child("resnets", new ModuleList<>());
        attentions = c.addAttention() ? child("attentions", new ModuleList<>()) : null;
        resnets.add(new ResnetBlock2D(c, channels, channels, scale, ResnetBlock2D.Resample.NONE));
        if (attentions != null) {
            attentions.add(new Attention(channels, DownBlock.heads(c, channels), c.midAttentionGroups(), c.normEps(), scale));
        }
        resnets.add(new ResnetBlock2D(c, channels, channels, scale, ResnetBlock2D.Resample.NONE));
    }

    Tensor forward(Tensor x, Tensor temb) {
        x = resnets.get(0).forward(x, temb);
        if (attentions != null) {
            x = attentions.get(0).forward(x);
        }
        return resnets.get(1).forward(x, temb);
    }

    String trace(GraphBuilder g, String x, String temb) {
        x = resnets.get(0).trace(g, x, temb);
        if (attentions != null) {
            x = attentions.get(0).trace(g, x);
        }
        return resnets.get(1).trace(g, x, temb);
    }
}

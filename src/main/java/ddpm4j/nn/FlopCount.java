package ddpm4j.nn;

import java.util.List;

/**
 * Floating-point operations of one forward pass of the U-Net for one image, counted from the
 * architecture (a multiply-add is 2): convolutions, linear layers and attention's matrix
 * products. Normalisation, activations and additions are left out (under 1% here).
 */
public final class FlopCount {
    private FlopCount() {
    }

    public static double forward(UNetConfig c) {
        List<Integer> ch = c.blockOutChannels();
        int levels = c.levels();
        long temb = c.timeEmbedChannels();
        long tembOut = c.scaleShift() ? 2 : 1; // AdaGN projects to a scale and a shift per channel
        double size = c.sampleSize();
        double flops = 2.0 * (ch.get(0) * temb + temb * temb); // time embedding MLP
        flops += conv(3, c.inChannels(), ch.get(0), size * size); // conv_in
        int out = ch.get(0);
        double hw = size * size;
        for (int i = 0; i < levels; i++) {
            int in = out;
            out = ch.get(i);
            boolean attention = c.downBlockTypes().get(i).equals(UNetConfig.ATTN_DOWN);
            for (int j = 0; j < c.layersPerBlock(); j++) {
                flops += resBlock(j == 0 ? in : out, out, temb * tembOut, hw);
                flops += attention ? attention(out, hw) : 0;
            }
            if (i < levels - 1) {
                hw /= 4;
                flops += c.resnetDownsample(c.downBlockTypes().get(i))
                        ? resBlock(out, out, temb * tembOut, hw) // average pooling before its convolutions
                        : conv(3, out, out, hw); // stride-2 convolution at the lower resolution
            }
        }
        int bottom = ch.get(levels - 1);
        flops += 2 * resBlock(bottom, bottom, temb * tembOut, hw) + (c.addAttention() ? attention(bottom, hw) : 0);
        out = bottom;
        for (int i = 0; i < levels; i++) {
            int prevOut = out;
            out = ch.get(levels - 1 - i);
            int skipIn = ch.get(Math.max(levels - 2 - i, 0));
            boolean attention = c.upBlockTypes().get(i).equals(UNetConfig.ATTN_UP);
            int layers = c.layersPerBlock() + 1;
            for (int j = 0; j < layers; j++) {
                int skip = j == layers - 1 ? skipIn : out;
                int resIn = j == 0 ? prevOut : out;
                flops += resBlock(resIn + skip, out, temb * tembOut, hw);
                flops += attention ? attention(out, hw) : 0;
            }
            if (i < levels - 1) {
                hw *= 4;
                flops += c.resnetUpsample(c.upBlockTypes().get(i))
                        ? resBlock(out, out, temb * tembOut, hw) // nearest ×2 before its convolutions
                        : conv(3, out, out, hw); // nearest ×2, then a 3×3 convolution
            }
        }
        return flops + conv(3, ch.get(0), c.outChannels(), hw); // conv_out
    }

    private static double conv(int k, double in, double out, double hw) {
        return 2.0 * k * k * in * out * hw;
    }

    private static double resBlock(double in, double out, double temb, double hw) {
        return conv(3, in, out, hw) + conv(3, out, out, hw) + 2.0 * temb * out + (in != out ? conv(1, in, out, hw) : 0);
    }

    /** Q, K, V and output projections, then QKᵀ and the weighted sum of V over hw tokens. */
    private static double attention(double c, double hw) {
        return 4 * 2.0 * hw * c * c + 2 * 2.0 * hw * hw * c;
    }
}

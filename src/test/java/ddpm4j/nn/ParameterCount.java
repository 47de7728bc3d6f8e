package ddpm4j.nn;

/**
 * The DDPM U-Net's parameter count from the architecture alone (Ho et al. 2020, appendix B; ADM's blocks as
 * diffusers builds them), written independently of the module code, to check it.
 */
final class ParameterCount {
    private ParameterCount() {
    }

    static long conv(long in, long out, long k) {
        return in * out * k * k + out;
    }

    static long linear(long in, long out) {
        return in * out + out;
    }

    static long norm(long c) {
        return 2 * c;
    }

    static long resBlock(long in, long out, long temb) {
        return resBlock(in, out, temb, false);
    }

    /** With AdaGN the timestep projection gives a scale and a shift per channel. */
    static long resBlock(long in, long out, long temb, boolean scaleShift) {
        return norm(in) + conv(in, out, 3) + linear(temb, scaleShift ? 2 * out : out) + norm(out) + conv(out, out, 3)
                + (in != out ? conv(in, out, 1) : 0);
    }

    static long attention(long c) {
        return norm(c) + 4 * linear(c, c);
    }

    static long of(UNetConfig c) {
        int[] ch = c.blockOutChannels().stream().mapToInt(Integer::intValue).toArray();
        long temb = c.timeEmbedChannels();
        boolean ss = c.resnetTimeScaleShift().equals("scale_shift");
        long n = linear(ch[0], temb) + linear(temb, temb) + conv(c.inChannels(), ch[0], 3)
                + (c.numClassEmbeds() == null ? 0 : c.numClassEmbeds() * temb);
        java.util.Deque<Long> skips = new java.util.ArrayDeque<>();
        skips.push((long) ch[0]);
        long cur = ch[0];
        for (int i = 0; i < ch.length; i++) {
            for (int j = 0; j < c.layersPerBlock(); j++) {
                n += resBlock(cur, ch[i], temb, ss);
                cur = ch[i];
                if (c.downBlockTypes().get(i).equals(UNetConfig.ATTN_DOWN)) {
                    n += attention(cur);
                }
                skips.push(cur);
            }
            String type = c.downBlockTypes().get(i);
            boolean byResnet = type.equals("ResnetDownsampleBlock2D") || type.equals("AttnDownBlock2D") && c.downsampleType().equals("resnet");
            if (i < ch.length - 1) {
                n += byResnet ? resBlock(cur, cur, temb, ss) : conv(cur, cur, 3);
                skips.push(cur);
            }
        }
        // diffusers' middle attention has no GroupNorm with scale_shift and no attn_norm_num_groups
        boolean midNorm = c.attnNormNumGroups() != null || !ss;
        n += 2 * resBlock(cur, cur, temb, ss) + attention(cur) - (midNorm ? 0 : norm(cur));
        for (int i = ch.length - 1; i >= 0; i--) {
            for (int j = 0; j <= c.layersPerBlock(); j++) {
                n += resBlock(cur + skips.pop(), ch[i], temb, ss);
                cur = ch[i];
                if (c.upBlockTypes().get(ch.length - 1 - i).equals(UNetConfig.ATTN_UP)) {
                    n += attention(cur);
                }
            }
            String type = c.upBlockTypes().get(ch.length - 1 - i);
            boolean byResnet = type.equals("ResnetUpsampleBlock2D") || type.equals("AttnUpBlock2D") && c.upsampleType().equals("resnet");
            if (i > 0) {
                n += byResnet ? resBlock(cur, cur, temb, ss) : conv(cur, cur, 3);
            }
        }
        return n + norm(cur) + conv(cur, c.outChannels(), 3);
    }
}

package ddpm4j.nn;

/**
 * The DDPM U-Net's parameter count from the architecture alone (Ho et al. 2020, appendix B),
 * written independently of the module code, to check it.
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
        return norm(in) + conv(in, out, 3) + linear(temb, out) + norm(out) + conv(out, out, 3)
                + (in != out ? conv(in, out, 1) : 0);
    }

    static long attention(long c) {
        return norm(c) + 4 * linear(c, c);
    }

    static long of(UNetConfig c) {
        int[] ch = c.blockOutChannels().stream().mapToInt(Integer::intValue).toArray();
        long temb = c.timeEmbedChannels();
        long n = linear(ch[0], temb) + linear(temb, temb) + conv(c.inChannels(), ch[0], 3);
        java.util.Deque<Long> skips = new java.util.ArrayDeque<>();
        skips.push((long) ch[0]);
        long cur = ch[0];
        for (int i = 0; i < ch.length; i++) {
            for (int j = 0; j < c.layersPerBlock(); j++) {
                n += resBlock(cur, ch[i], temb);
                cur = ch[i];
                if (c.downBlockTypes().get(i).equals(UNetConfig.ATTN_DOWN)) {
                    n += attention(cur);
                }
                skips.push(cur);
            }
            if (i < ch.length - 1) {
                n += conv(cur, cur, 3);
                skips.push(cur);
            }
        }
        n += 2 * resBlock(cur, cur, temb) + attention(cur);
        for (int i = ch.length - 1; i >= 0; i--) {
            for (int j = 0; j <= c.layersPerBlock(); j++) {
                n += resBlock(cur + skips.pop(), ch[i], temb);
                cur = ch[i];
                if (c.upBlockTypes().get(ch.length - 1 - i).equals(UNetConfig.ATTN_UP)) {
                    n += attention(cur);
                }
            }
            if (i > 0) {
                n += conv(cur, cur, 3);
            }
        }
        return n + norm(cur) + conv(cur, c.outChannels(), 3);
    }
}

package ddpm4j.nn;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Spatial self-attention with a residual connection: GroupNorm, q/k/v projections,
 * softmax(q kᵀ / √d) v per head, output projection ({@code to_out.0}). With one head (the
 * original network) d is the channel count. {@code groups} 0 leaves out the GroupNorm (diffusers' middle block
 * with {@code scale_shift} time conditioning and no {@code attn_norm_num_groups}).
 */
public final class Attention extends Layer {
    private final GroupNorm groupNorm;
    private final Linear toQ;
    private final Linear toK;
    private final Linear toV;
    private final Linear toOut;
    private final long heads;
    private final double outputScale;

    Attention(long channels, long heads, long groups, double eps, double outputScale) {
        if (heads <= 0 || channels % heads != 0) {
            throw new IllegalArgumentException(channels + " channels cannot be split into " + heads + " attention heads");
        }
        this.groupNorm = groups == 0 ? null : child("group_norm", new GroupNorm(groups, channels, eps));
        this.toQ = child("to_q", new Linear(channels, channels, 1.0));
        this.toK = child("to_k", new Linear(channels, channels, 1.0));
        this.toV = child("to_v", new Linear(channels, channels, 1.0));
        ModuleList<Linear> out = child("to_out", new ModuleList<>());
        this.toOut = out.add(new Linear(channels, channels, WeightInit.ZERO_SCALE));
        this.heads = heads;
        this.outputScale = outputScale;
    }

    public Tensor forward(Tensor x) {
        long b = x.size(0);
        long c = x.size(1);
        long h = x.size(2);
        long w = x.size(3);
        long headDim = c / heads;
        Tensor tokens = (groupNorm == null ? x : groupNorm.forward(x)).reshape(b, c, h * w).transpose(1, 2);
        // softmax(q kᵀ / √d) v with explicit batched matmuls: libtorch's fused CPU attention is
        // several times slower for the short sequences and single heads of this network.
        Tensor q = splitHeads(toQ.forward(tokens), b, headDim).mul(new Scalar(1.0 / Math.sqrt(headDim)));
        Tensor k = splitHeads(toK.forward(tokens), b, headDim);
        Tensor v = splitHeads(toV.forward(tokens), b, headDim);
        Tensor weights = torch.softmax(q.matmul(k.transpose(2, 3)), -1);
        Tensor merged = weights.matmul(v).transpose(1, 2).reshape(b, h * w, c);
        // contiguous: the transposed view reads as channels-last, and the residual sum and every op after
        // it would follow; libtorch's channels-last GroupNorm is several times slower at these sizes
        Tensor out = toOut.forward(merged).transpose(1, 2).contiguous().reshape(b, c, h, w);
        Tensor sum = out.add(x);
        return outputScale == 1.0 ? sum : sum.div(new Scalar(outputScale));
    }

    /** {@link #forward} in {@code g}. */
    String trace(GraphBuilder g, String x) {
        long c = toQ.inFeatures();
        long headDim = c / heads;
        String tokens = g.transpose(g.reshape(groupNorm == null ? x : groupNorm.trace(g, x), 0, c, -1), 0, 2, 1);
        String q = g.scale(splitHeads(g, toQ.trace(g, tokens), headDim), 1.0 / Math.sqrt(headDim));
        String k = splitHeads(g, toK.trace(g, tokens), headDim);
        String v = splitHeads(g, toV.trace(g, tokens), headDim);
        String weights = g.node("Softmax", java.util.Map.of("axis", -1L), g.node("MatMul", q, g.transpose(k, 0, 1, 3, 2)));
        String merged = g.reshape(g.transpose(g.node("MatMul", weights, v), 0, 2, 1, 3), 0, -1, c);
        String out = g.node("Reshape", g.transpose(toOut.trace(g, merged), 0, 2, 1), g.node("Shape", x));
        String sum = g.add(out, x);
        return outputScale == 1.0 ? sum : g.divide(sum, outputScale);
    }

    private String splitHeads(GraphBuilder g, String t, long headDim) {
        return g.transpose(g.reshape(t, 0, -1, heads, headDim), 0, 2, 1, 3);
    }

    /** [B, N, C] → [B, heads, N, C/heads]. */
    private Tensor splitHeads(Tensor t, long b, long headDim) {
        return t.reshape(b, -1, heads, headDim).transpose(1, 2);
    }
}

package ddpm4j.nn;

import ddpm4j.torch.Device;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The sinusoidal timestep embedding of the Transformer (Ho et al. 2020, appendix B) followed by
 * linear → SiLU → linear ({@code time_embedding.linear_1}, {@code time_embedding.linear_2}).
 */
public final class TimestepEmbedding extends Layer {
    private static final double MAX_PERIOD = 10000.0;

    private final int dim;
    private final boolean flipSinToCos;
    private final double freqShift;
    private final Linear linear1;
    private final Linear linear2;

    TimestepEmbedding(int dim, boolean flipSinToCos, double freqShift, int embedDim) {
        this.dim = dim;
        this.flipSinToCos = flipSinToCos;
        this.freqShift = freqShift;
        this.linear1 = child("linear_1", new Linear(dim, embedDim, 1.0));
        this.linear2 = child("linear_2", new Linear(embedDim, embedDim, 1.0));
    }

    public Tensor forward(Tensor timesteps) {
        Tensor emb = sinusoidal(timesteps, dim, flipSinToCos, freqShift);
        return linear2.forward(torch.silu(linear1.forward(emb)));
    }

    /**
     * [sin(t·ωᵢ), cos(t·ωᵢ)] with ωᵢ = exp(−ln(10000)·i / (half − shift)), i &lt; half = dim/2, in
     * float32 as diffusers and the original compute it; [cos, sin] when flipped; an odd dim is
     * padded with a zero column.
     */
    public static Tensor sinusoidal(Tensor timesteps, int dim, boolean flipSinToCos, double freqShift) {
        Tensor freqs = frequencies(dim, freqShift, Device.of(timesteps));
        Tensor args = timesteps.reshape(-1, 1).to(torch.ScalarType.Float).mul(freqs.unsqueeze(0));
        Tensor sin = torch.sin(args);
        Tensor cos = torch.cos(args);
        Tensor emb = flipSinToCos ? torch.cat(new TensorVector(cos, sin), 1) : torch.cat(new TensorVector(sin, cos), 1);
        if (dim % 2 == 1) {
            emb = torch.constant_pad_nd(emb, 0, 1, 0, 0);
        }
        return emb;
    }

    /** ωᵢ = exp(−ln(10000)·i / (half − shift)) for i &lt; half = dim/2, float32 [half] on {@code device}. */
    private static Tensor frequencies(int dim, double freqShift, Device device) {
        int half = dim / 2;
        if (half - freqShift <= 0) {
            throw new IllegalArgumentException("embedding dimension " + dim + " too small for freq_shift " + freqShift);
        }
        Tensor i = torch.arange(new Scalar(half), device.options(torch.ScalarType.Float));
        Tensor exponent = i.mul(new Scalar(-Math.log(MAX_PERIOD))).div(new Scalar(half - freqShift));
        return torch.exp(exponent);
    }

    /** {@link #forward} in {@code g}, for float32 {@code timesteps [B]}; the frequencies become a constant computed as above. */
    String trace(GraphBuilder g, String timesteps) {
        float[] freqs = ddpm4j.torch.Tensors.toFloats(frequencies(dim, freqShift, Device.CPU));
        String args = g.mul(g.unsqueeze(timesteps, 1), g.constant(freqs, 1, freqs.length));
        String sin = g.node("Sin", args);
        String cos = g.node("Cos", args);
        String emb = flipSinToCos ? g.concat(1, cos, sin) : g.concat(1, sin, cos);
        if (dim % 2 == 1) {
            emb = g.node("Pad", emb, g.constantLongs(new long[] {0, 0, 0, 1}, 4));
        }
        return linear2.trace(g, g.silu(linear1.trace(g, emb)));
    }
}

package ddpm4j.sample;

import ddpm4j.diffusion.Denoiser;
import ddpm4j.torch.Device;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Sampling a class-conditional network: fixed labels per image, and classifier-free guidance (Ho &
 * Salimans 2021): out = out(∅) + w · (out(y) − out(∅)), with ∅ the "no class" label the network
 * was trained with by label dropout. w = 1 is plain conditional sampling, w > 1 trades diversity
 * for fidelity. With a learned variance only the first {@code dataChannels} output channels
 * (the mean's parameterization) are guided; the variance channels are the conditional ones.
 */
public final class ClassConditioning {
    /** A network that takes class labels. */
    @FunctionalInterface
    public interface ConditionalNet {
        Tensor apply(Tensor x, Tensor t, Tensor labels);
    }

    private ClassConditioning() {
    }

    /**
     * @param labels      one class per image of the batch the denoiser will see
     * @param nullLabel   the "no class" label (the last class embedding)
     * @param guidance    w; 1 for none (no unconditional pass)
     */
    public static Denoiser guided(ConditionalNet net, long[] labels, long nullLabel, double guidance, int dataChannels) {
        if (!(guidance >= 0 && Double.isFinite(guidance))) {
            throw new IllegalArgumentException("guidance must be a non-negative number, got " + guidance);
        }
        return (x, t) -> {
            int b = (int) x.size(0);
            if (labels.length != b) {
                throw new IllegalArgumentException(labels.length + " labels for a batch of " + b);
            }
            Device device = Device.of(x);
            Tensor y = device.put(Tensors.fromLongs(labels, b));
            if (guidance == 1.0) {
                return net.apply(x, t, y);
            }
            long[] none = new long[b];
            java.util.Arrays.fill(none, nullLabel);
            Tensor tt = t.numel() == 1 ? t.reshape(1).expand(b) : t.reshape(-1);
            Tensor both = net.apply(torch.cat(new TensorVector(x, x), 0), torch.cat(new TensorVector(tt, tt), 0),
                    torch.cat(new TensorVector(y, device.put(Tensors.fromLongs(none, b))), 0));
            Tensor cond = both.narrow(0, 0, b);
            Tensor uncond = both.narrow(0, b, b);
            Tensor guidedPart = uncond.narrow(1, 0, dataChannels)
                    .add(cond.narrow(1, 0, dataChannels).sub(uncond.narrow(1, 0, dataChannels)).mul(new Scalar(guidance)));
            if (cond.size(1) == dataChannels) {
                return guidedPart;
            }
            return torch.cat(new TensorVector(guidedPart, cond.narrow(1, dataChannels, cond.size(1) - dataChannels)), 1);
        };
    }
}

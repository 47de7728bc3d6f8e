package ddpm4j.sample;

import ddpm4j.diffusion.Denoiser;
import ddpm4j.torch.Device;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * What a class-conditional network is told while it samples: the class of each image of a run
 * ({@code classes}, repeated over the images), the "no class" label it was trained with by label
 * dropout, and the classifier-free guidance weight w (Ho &amp; Salimans 2021): out = out(∅) + w · (out(y) −
 * out(∅)). w = 1 is plain conditional sampling (no unconditional pass), w &gt; 1 trades diversity for
 * fidelity. With a learned variance only the first C output channels (the mean's parameterization) are
 * guided; the variance channels are the conditional ones.
 *
 * @param classes   the classes in turn, image k taking {@code classes[k % length]}
 * @param nullLabel the "no class" label (the last class embedding)
 * @param guidance  w: 1 plain conditional, 0 unconditional, above 1 stronger
 */
public record Conditioning(int[] classes, long nullLabel, double guidance) {
    /** A network that takes class labels. */
    @FunctionalInterface
    public interface ConditionalNet {
        Tensor apply(Tensor x, Tensor t, Tensor labels);
    }

    public Conditioning {
        if (classes.length == 0) {
            throw new IllegalArgumentException("conditioning needs at least one class");
        }
        for (int k : classes) {
            if (k < 0 || k > nullLabel) {
                throw new IllegalArgumentException("classes must be in [0, " + nullLabel + ") (label " + nullLabel
                        + " is the no-class label), got " + k);
            }
        }
        if (!(guidance >= 0 && Double.isFinite(guidance))) {
            throw new IllegalArgumentException("guidance must be a non-negative number, got " + guidance);
        }
        classes = classes.clone();
    }

    /** Every class in turn, 0 .. nullLabel − 1. */
    public static Conditioning everyClass(long nullLabel, double guidance) {
        int[] all = new int[Math.toIntExact(nullLabel)];
        for (int k = 0; k < all.length; k++) {
            all[k] = k;
        }
        return new Conditioning(all, nullLabel, guidance);
    }

    /** The "no class" label for every image: the network as an unconditional model. */
    public static Conditioning noClass(long nullLabel) {
        return new Conditioning(new int[] {Math.toIntExact(nullLabel)}, nullLabel, 1.0);
    }

    /**
     * A model as an unconditional denoiser: a class-conditional network gets the no-class label for every image (what
     * the edits, the data-driven figures and bits/dim use).
     *
     * @throws IllegalArgumentException for a class-conditional model without a no-class label
     */
    public static Denoiser unconditional(ddpm4j.io.Model m) {
        ddpm4j.nn.UNetConfig c = m.unet().config();
        if (!c.classConditional()) {
            return m.unet()::infer;
        }
        if (!m.hasNoClassLabel()) {
            throw new IllegalArgumentException("this class-conditional model has no no-class label (a consistency model uses every"
                    + " class embedding), so it cannot be run unconditionally");
        }
        return noClass(c.nullLabel()).bind(m.unet()::infer, c.inChannels(), 0);
    }

    /** The labels of images {@code first .. first+count−1}. */
    public long[] labels(long first, int count) {
        long[] y = new long[count];
        for (int i = 0; i < count; i++) {
            y[i] = classes[(int) ((first + i) % classes.length)];
        }
        return y;
    }

    /**
     * {@code net} as a denoiser of the batch that starts at image {@code first} of the run, whatever
     * its size; with a learned variance only the first {@code dataChannels} output channels are guided.
     */
    public Denoiser bind(ConditionalNet net, int dataChannels, long first) {
        return (x, t) -> guided(net, labels(first, (int) x.size(0)), dataChannels).apply(x, t);
    }

    /** {@link #bind} for every batch of a run. */
    public Generation.PerImages perImages(ConditionalNet net, int dataChannels) {
        return (first, count) -> bind(net, dataChannels, first);
    }

    /** {@code net} as a denoiser of a batch whose images have these {@code labels}, guided with this weight. */
    public Denoiser guided(ConditionalNet net, long[] labels, int dataChannels) {
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

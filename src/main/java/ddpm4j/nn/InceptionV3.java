package ddpm4j.nn;

import ddpm4j.torch.Device;
import ddpm4j.torch.Natives;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.DoubleArrayRefOptional;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.LongArrayRef;
import org.bytedeco.pytorch.LongArrayRefOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.Map;

/**
 * The Inception-v3 network of the standard FID (pytorch-fid's {@code fid_inception_v3}: torchvision's
 * layout with 1008 classes, no auxiliary head, and its FIDInceptionA/C/E blocks). Images in [0, 1]
 * are resized bilinearly to 299×299 and scaled to [−1, 1]; the 2048 pool features serve FID,
 * the logits IS. State-dict keys are torchvision's ({@code Conv2d_1a_3x3.conv.weight}, ...,
 * {@code fc.bias}), including the batch-norm running statistics.
 */
public final class InceptionV3 implements AutoCloseable {
    static {
        Natives.load();
    }

    public static final int FEATURES = 2048;
    public static final int CLASSES = 1008;
    public static final int SIZE = 299;

    /** @param pool [B, 2048] average-pooled features; @param logits [B, 1008] */
    public record Output(Tensor pool, Tensor logits) {
    }

    private final Net net;
    private final Map<String, Tensor> stateDict;
    private Device device;

    /** A network with random weights drawn from {@code seed} (to be overwritten by real ones, or for tests). */
    public InceptionV3(long seed) {
        this(seed, Device.CPU);
    }

    /** A network with random weights drawn from {@code seed}, made on {@code device}. */
    public InceptionV3(long seed, Device device) {
        this.device = device;
        this.net = Layer.building(device, Net::new);
        net.initialize(new WeightInit(seed));
        this.stateDict = Layer.namedTensors(net);
        net.eval();
    }

    /** Parameters and batch-norm statistics by torchvision's names; the tensors are the live ones. */
    public Map<String, Tensor> stateDict() {
        return stateDict;
    }

    /** The device the parameters live on (the CPU until {@link #to} moves them). */
    public Device device() {
        return device;
    }

    /** Moves the parameters and buffers to {@code device} in place; returns this network. */
    public InceptionV3 to(Device device) {
        Layer.moveTo(net, this.device, device);
        this.device = device;
        return this;
    }

    /** Features and logits of images {@code x [B,3,H,W]} with values in [0, 1]. */
    public Output infer(Tensor x) {
        if (x.dim() != 4 || x.size(1) != 3) {
            throw new IllegalArgumentException("Inception takes [B,3,H,W] images");
        }
        try (InferenceMode guard = new InferenceMode()) {
            if (x.size(2) != SIZE || x.size(3) != SIZE) {
                try (LongPointer size = new LongPointer(SIZE, SIZE)) { // must outlive the ArrayRef that views it
                    x = torch.upsample_bilinear2d(x, new LongArrayRefOptional(new LongArrayRef(size, 2)), false,
                            new DoubleArrayRefOptional());
                }
            }
            return net.forward(x.mul(new Scalar(2.0)).sub(new Scalar(1.0)));
        }
    }

    @Override
    public void close() {
        net.close();
    }

    private static final class Net extends Layer {
        private final BasicConv2d[] stem1;
        private final BasicConv2d[] stem2;
        private final InceptionBlocks.Block[] mixed;
        private final Linear fc;

        Net() {
            stem1 = new BasicConv2d[] {
                    child("Conv2d_1a_3x3", new BasicConv2d(3, 32, 3, 2, 0)),
                    child("Conv2d_2a_3x3", new BasicConv2d(32, 32, 3, 1, 0)),
                    child("Conv2d_2b_3x3", new BasicConv2d(32, 64, 3, 1, 1))};
            stem2 = new BasicConv2d[] {
                    child("Conv2d_3b_1x1", new BasicConv2d(64, 80, 1, 1, 0)),
                    child("Conv2d_4a_3x3", new BasicConv2d(80, 192, 3, 1, 0))};
            mixed = new InceptionBlocks.Block[] {
                    child("Mixed_5b", new InceptionBlocks.A(192, 32)),
                    child("Mixed_5c", new InceptionBlocks.A(256, 64)),
                    child("Mixed_5d", new InceptionBlocks.A(288, 64)),
                    child("Mixed_6a", new InceptionBlocks.B(288)),
                    child("Mixed_6b", new InceptionBlocks.C(768, 128)),
                    child("Mixed_6c", new InceptionBlocks.C(768, 160)),
                    child("Mixed_6d", new InceptionBlocks.C(768, 160)),
                    child("Mixed_6e", new InceptionBlocks.C(768, 192)),
                    child("Mixed_7a", new InceptionBlocks.D(768)),
                    child("Mixed_7b", new InceptionBlocks.E(1280, false)),
                    child("Mixed_7c", new InceptionBlocks.E(2048, true))};
            fc = child("fc", new Linear(FEATURES, CLASSES, 1.0));
        }

        Output forward(Tensor x) {
            for (BasicConv2d c : stem1) {
                x = c.forward(x);
            }
            x = InceptionBlocks.maxPool(x, 2, 0);
            for (BasicConv2d c : stem2) {
                x = c.forward(x);
            }
            x = InceptionBlocks.maxPool(x, 2, 0);
            for (InceptionBlocks.Block block : mixed) {
                x = block.forward(x);
            }
            Tensor pool = torch.adaptive_avg_pool2d(x, 1, 1).flatten(1, -1);
            return new Output(pool, fc.forward(pool));
        }
    }
}

package ddpm4j.nn;

import ddpm4j.torch.Device;
import ddpm4j.torch.MetaKernels;
import ddpm4j.torch.Natives;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.Map;

/**
 * The network of {@link ClassifierConfig}: x [B,C,S,S] in [−1, 1] → features [B,featureDim]
 * (after ReLU) → logits [B,classes]. Parameter names: {@code conv1..conv4}, {@code features},
 * {@code logits}.
 */
public final class Classifier implements AutoCloseable {
    static {
        Natives.load();
    }

    /** What one forward pass yields. */
    public record Output(Tensor features, Tensor logits) {
    }

    private final ClassifierConfig config;
    private final Net net;
    private final Map<String, Tensor> stateDict;
    private Device device;

    /** A network with random initialisation drawn from {@code seed}. */
    public Classifier(ClassifierConfig config, long seed) {
        this(config, seed, Device.CPU);
    }

    /** A network initialised from {@code seed}, made on {@code device}. */
    public Classifier(ClassifierConfig config, long seed, Device device) {
        this.config = config;
        this.device = device;
        this.net = Layer.building(device, () -> new Net(config));
        net.initialize(new WeightInit(seed));
        this.stateDict = Layer.namedParameters(net);
        net.eval();
    }

    public ClassifierConfig config() {
        return config;
    }

    public Output forward(Tensor x) {
        return net.forward(x);
    }

    /** {@link #forward} without autograd bookkeeping. */
    public Output infer(Tensor x) {
        try (InferenceMode guard = new InferenceMode()) {
            return net.forward(x);
        }
    }

    /** Parameters by name; the tensors are the live parameters. */
    public Map<String, Tensor> stateDict() {
        return stateDict;
    }

    /** The device the parameters live on (the CPU until {@link #to} moves them). */
    public Device device() {
        return device;
    }

    /** Moves the parameters and buffers to {@code device} in place; returns this network. */
    public Classifier to(Device device) {
        Layer.moveTo(net, this.device, device);
        this.device = device;
        return this;
    }

    public Module module() {
        return net;
    }

    public void train(boolean on) {
        net.train(on);
    }

    @Override
    public void close() {
        net.close();
    }

    private static final class Net extends Layer {
        private static final double RELU_SCALE = 2.0;
        private final Conv2d conv1;
        private final Conv2d conv2;
        private final Conv2d conv3;
        private final Conv2d conv4;
        private final Linear features;
        private final Linear logits;

        Net(ClassifierConfig c) {
            int w = c.width();
            conv1 = child("conv1", Conv2d.same3x3(c.inChannels(), w, RELU_SCALE));
            conv2 = child("conv2", Conv2d.same3x3(w, w, RELU_SCALE));
            conv3 = child("conv3", Conv2d.same3x3(w, 2L * w, RELU_SCALE));
            conv4 = child("conv4", Conv2d.same3x3(2L * w, 2L * w, RELU_SCALE));
            features = child("features", new Linear(c.flatSize(), c.featureDim(), RELU_SCALE));
            logits = child("logits", new Linear(c.featureDim(), c.classes(), 1.0));
        }

        Output forward(Tensor x) {
            Tensor h = MetaKernels.relu(conv2.forward(MetaKernels.relu(conv1.forward(x))));
            h = torch.max_pool2d(h, new long[] {2, 2});
            h = MetaKernels.relu(conv4.forward(MetaKernels.relu(conv3.forward(h))));
            h = torch.max_pool2d(h, new long[] {2, 2});
            Tensor f = MetaKernels.relu(features.forward(h.flatten(1, -1)));
            return new Output(f, logits.forward(f));
        }
    }
}

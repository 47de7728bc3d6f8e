package ddpm4j.nn;

import ddpm4j.torch.Device;
import ddpm4j.torch.Natives;
import ddpm4j.torch.Precision;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

import java.util.Map;

/**
 * The DDPM U-Net (Ho et al. 2020, appendix B; diffusers' UNet2DModel): maps a batch
 * x [B,C,H,W] and timesteps t [B] to an output [B,out_channels,H,W]. Its parameters carry the
 * diffusers state-dict names, so {@link #stateDict()} is a checkpoint's key set.
 *
 * <p>This class is the entry point to the native network: it loads libtorch before any native
 * module class is initialised.
 */
public final class UNet2DModel implements AutoCloseable {
    static {
        Natives.load();
    }

    private final UNetConfig config;
    private final UNetModule module;
    private final Map<String, Tensor> stateDict;
    private Precision precision = Precision.FP32;
    private Device device;

    /** A network with the original code's random initialisation drawn from {@code seed}. */
    public UNet2DModel(UNetConfig config, long seed) {
        this(config, seed, Device.CPU);
    }

    /** A network initialised from {@code seed} (the same values on every device), made on {@code device}. */
    public UNet2DModel(UNetConfig config, long seed, Device device) {
        this(config, device);
        module.initialize(new WeightInit(seed));
    }

    /** A network whose parameters are all zero, to be filled from a checkpoint. */
    public UNet2DModel(UNetConfig config) {
        this(config, Device.CPU);
    }

    /** A network of zeros made on {@code device}. */
    public UNet2DModel(UNetConfig config, Device device) {
        this.config = config;
        this.device = device;
        this.module = Layer.building(device, () -> new UNetModule(config));
        this.stateDict = Layer.namedParameters(module);
        module.eval();
    }

    public UNetConfig config() {
        return config;
    }

    /** The network output for inputs {@code x [B,C,H,W]} at integer timesteps {@code t [B]} (or one for all); float or negative timesteps are refused. */
    public Tensor forward(Tensor x, Tensor t) {
        return forward(x, t, null);
    }

    /** The output of a class-conditional network for class {@code labels [B]}. */
    public Tensor forward(Tensor x, Tensor t, Tensor labels) {
        return precision.run(device, () -> module.forward(x, t, labels));
    }

    /** {@link #forward} without autograd bookkeeping, for sampling and evaluation. */
    public Tensor infer(Tensor x, Tensor t) {
        return infer(x, t, null);
    }

    /** {@link #forward(Tensor, Tensor, Tensor)} without autograd bookkeeping. */
    public Tensor infer(Tensor x, Tensor t, Tensor labels) {
        try (InferenceMode guard = new InferenceMode()) {
            return forward(x, t, labels);
        }
    }

    /**
     * Writes {@link #forward} into {@code g} (inference: no dropout, fp32): {@code sample} float32 [B,C,H,W],
     * {@code timestep} float32 [B] or [1], {@code classLabels} int64 [B] for a class-conditional network, else null;
     * returns the output's name. Each parameter enters through {@link GraphBuilder#parameter}.
     */
    public String trace(GraphBuilder g, String sample, String timestep, String classLabels) {
        return module.trace(g, sample, timestep, classLabels);
    }

    /** The arithmetic of the forward pass: fp32 unless {@link #setPrecision} chose another. */
    public Precision precision() {
        return precision;
    }

    public void setPrecision(Precision precision) {
        this.precision = java.util.Objects.requireNonNull(precision).requireSupportedOn(device);
    }

    /** The device the parameters live on (the CPU until {@link #to} moves them). */
    public Device device() {
        return device;
    }

    /**
     * Moves every parameter and buffer to {@code device} in place (the tensors of
     * {@link #stateDict()} stay the live parameters) and returns this network. Inputs must then be
     * on that device. Not to or from the meta device: build the network there.
     */
    public UNet2DModel to(Device device) {
        precision.requireSupportedOn(device);
        Layer.moveTo(module, this.device, device);
        this.device = device;
        return this;
    }

    /** Parameters by their diffusers names, in registration order. The tensors are the live parameters. */
    public Map<String, Tensor> stateDict() {
        return stateDict;
    }

    /** Total number of scalar parameters. */
    public long parameterCount() {
        long n = 0;
        for (Tensor p : stateDict.values()) {
            n += p.numel();
        }
        return n;
    }

    /** Training mode enables dropout. */
    public void train(boolean on) {
        module.train(on);
    }

    /** The underlying native module, e.g. for an optimizer. */
    public Module module() {
        return module;
    }

    @Override
    public void close() {
        module.close();
    }
}

package ddpm4j.nn;

import ddpm4j.torch.Natives;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A native libtorch module whose parameters and children are registered under PyTorch's dotted
 * names, so {@code named_parameters()} yields exactly the diffusers state-dict keys.
 */
public abstract class Layer extends Module {
    static {
        Natives.load();
    }

    /**
     * Registers a zero-filled float32 parameter and returns a handle to it. (The reference that
     * register_parameter returns points into a growing vector and dies at the next registration.)
     */
    protected final Tensor parameter(String name, long... shape) {
        Tensor t = torch.zeros(shape);
        register_parameter(name, t, true);
        return t;
    }

    /** Sets every parameter of this layer (not of its children) as the original DDPM code does. */
    abstract void initialize(WeightInit init);
}

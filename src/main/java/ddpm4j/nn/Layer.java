package ddpm4j.nn;

import ddpm4j.torch.Device;
import ddpm4j.torch.Natives;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A native libtorch module whose parameters and children are registered under PyTorch's dotted
 * names, so {@code named_parameters()} yields exactly the diffusers state-dict keys.
 */
public abstract class Layer extends Module {
    static {
        Natives.load();
    }

    /**
     * Every registered child, strongly reachable from Java: libtorch calls back into the Java
     * object of a child (e.g. train/eval), which must not have been garbage-collected.
     */
    private final List<Module> children = new ArrayList<>();

    /** Registers {@code module} as the child {@code name} and keeps it reachable. */
    protected final <M extends Module> M child(String name, M module) {
        register_module(name, module);
        children.add(module);
        return module;
    }

    /** The device parameters are made on while {@link #building} runs on this thread. */
    private static final ThreadLocal<Device> BUILDING = ThreadLocal.withInitial(() -> Device.CPU);

    /**
     * Runs {@code build} with every parameter and buffer it registers made on {@code device} (as
     * PyTorch's {@code with torch.device(...)}): the way onto the meta device, which libtorch's
     * in-place {@code Module::to} cannot reach from the CPU.
     */
    static <T> T building(Device device, Supplier<T> build) {
        Device was = BUILDING.get();
        BUILDING.set(device);
        try {
            return build.get();
        } finally {
            BUILDING.set(was);
        }
    }

    /**
     * Moves {@code module}'s parameters and buffers to {@code device} in place, so the tensors
     * callers hold stay the live ones; from or to the meta device this is impossible and refused.
     */
    static void moveTo(Module module, Device from, Device device) {
        if (from.equals(device)) {
            return;
        }
        if (from.equals(Device.META) || device.equals(Device.META)) {
            throw new IllegalArgumentException("a network cannot move to or from the meta device; build it there instead");
        }
        module.to(device.toTorch(), false);
    }

    /**
     * Registers a zero-filled float32 parameter and returns a handle to it. (The reference that
     * register_parameter returns points into a growing vector and dies at the next registration.)
     */
    protected final Tensor parameter(String name, long... shape) {
        Tensor t = torch.zeros(shape, BUILDING.get().options(torch.ScalarType.Float));
        register_parameter(name, t, true);
        return t;
    }

    /** Registers a zero-filled float32 buffer (state that is not trained, e.g. running statistics). */
    protected final Tensor buffer(String name, long... shape) {
        Tensor t = torch.zeros(shape, BUILDING.get().options(torch.ScalarType.Float));
        register_buffer(name, t);
        return t;
    }

    /** {@code module}'s parameters by dotted name, in registration order; the tensors are the live parameters. */
    static Map<String, Tensor> namedParameters(Module module) {
        Map<String, Tensor> params = new LinkedHashMap<>();
        add(params, module.named_parameters(true));
        return Collections.unmodifiableMap(params);
    }

    /** Parameters and buffers by dotted name: everything a PyTorch state dict holds. */
    static Map<String, Tensor> namedTensors(Module module) {
        Map<String, Tensor> all = new LinkedHashMap<>();
        add(all, module.named_parameters(true));
        add(all, module.named_buffers(true));
        return Collections.unmodifiableMap(all);
    }

    private static void add(Map<String, Tensor> into, StringTensorDict dict) {
        for (long i = 0; i < dict.size(); i++) {
            into.put(dict.get(i).key().getString(), new Tensor(dict.get(i).value()));
        }
    }

    /**
     * Sets every parameter as the original DDPM code does. A layer with parameters of its own sets them
     * (overriding this); the default sets each child layer in registration order, which fixes the order
     * the random draws are taken in.
     */
    void initialize(WeightInit init) {
        for (Module c : children) {
            if (c instanceof Layer l) {
                l.initialize(init);
            }
        }
    }
}

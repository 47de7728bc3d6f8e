package ddpm4j.nn;

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

    /**
     * Registers a zero-filled float32 parameter and returns a handle to it. (The reference that
     * register_parameter returns points into a growing vector and dies at the next registration.)
     */
    protected final Tensor parameter(String name, long... shape) {
        Tensor t = torch.zeros(shape);
        register_parameter(name, t, true);
        return t;
    }

    /** Registers a zero-filled float32 buffer (state that is not trained, e.g. running statistics). */
    protected final Tensor buffer(String name, long... shape) {
        Tensor t = torch.zeros(shape);
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

    /** Sets every parameter of this layer (not of its children) as the original DDPM code does. */
    abstract void initialize(WeightInit init);
}

package ddpm4j.train;

import ddpm4j.io.FloatArray;
import ddpm4j.torch.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam (Kingma &amp; Ba 2015) exactly as torch.optim.Adam without weight decay or AMSGrad, with its
 * moments kept as named tensors so a checkpoint can hold them.
 */
public final class Adam {
    private final Map<String, Tensor> params;
    private final Map<String, Tensor> m = new LinkedHashMap<>();
    private final Map<String, Tensor> v = new LinkedHashMap<>();
    /** Room for √v̂ + ε of the largest parameter, reused by every parameter at every step. */
    private final Tensor scratch;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private long step;

    public Adam(Map<String, Tensor> params, double beta1, double beta2, double eps) {
        this.params = params;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        Tensor largest = null;
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            m.put(e.getKey(), torch.zeros_like(e.getValue()));
            v.put(e.getKey(), torch.zeros_like(e.getValue()));
            largest = largest == null || e.getValue().numel() > largest.numel() ? e.getValue() : largest;
        }
        this.scratch = largest == null ? null : torch.zeros_like(largest).reshape(-1);
    }

    /** Number of updates made. */
    public long steps() {
        return step;
    }

    /** One update with learning rate {@code lr} from the parameters' current gradients. */
    public void step(double lr) {
        step++;
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2 = 1 - Math.pow(beta2, step);
        try (NoGradGuard guard = new NoGradGuard(); PointerScope scope = new PointerScope()) {
            for (Map.Entry<String, Tensor> e : params.entrySet()) {
                Tensor p = e.getValue();
                Tensor g = p.grad();
                if (!g.defined()) {
                    continue;
                }
                Tensor mi = m.get(e.getKey());
                Tensor vi = v.get(e.getKey());
                // in place, no temporaries: eight passes over the parameter's size
                mi.lerp_(g, new Scalar(1 - beta1)); // m ← β₁m + (1 − β₁)g
                vi.mul_(new Scalar(beta2)).addcmul_(g, g, new Scalar(1 - beta2)); // v ← β₂v + (1 − β₂)g²
                Tensor denom = torch.sqrt_out(scratch.narrow(0, 0, p.numel()).view(p.sizes()), vi)
                        .div_(new Scalar(Math.sqrt(bc2))).add_(new Scalar(eps)) // √v̂ + ε
                        .div_(new Scalar(lr / bc1)); // the step size as a divisor: as a factor of addcdiv_ it must fit a float
                p.addcdiv_(mi, denom, new Scalar(-1)); // θ ← θ − lr · m̂ / (√v̂ + ε)
            }
        }
    }

    /** The moments as arrays named {@code m.NAME} and {@code v.NAME}. */
    public Map<String, FloatArray> state() {
        Map<String, FloatArray> out = new LinkedHashMap<>();
        for (String name : params.keySet()) {
            out.put("m." + name, new FloatArray(Tensors.shape(m.get(name)), Tensors.toFloats(m.get(name))));
            out.put("v." + name, new FloatArray(Tensors.shape(v.get(name)), Tensors.toFloats(v.get(name))));
        }
        return out;
    }

    /** Restores moments written by {@link #state()} after {@code steps} updates. */
    public void restore(Map<String, FloatArray> state, long steps) {
        List<String> missing = new ArrayList<>();
        for (String name : params.keySet()) {
            for (String kind : new String[] {"m.", "v."}) {
                FloatArray a = state.get(kind + name);
                Tensor target = (kind.equals("m.") ? m : v).get(name);
                if (a == null || a.count() != target.numel()) {
                    missing.add(kind + name);
                    continue;
                }
                Tensors.write(target, a.data());
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("optimizer state lacks or mis-sizes " + missing.size() + " moments, e.g. " + missing.get(0));
        }
        this.step = steps;
    }
}

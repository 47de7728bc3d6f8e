package ddpm4j.train;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

import java.util.Map;

/**
 * An exponential moving average of the weights: shadow ← d·shadow + (1 − d)·θ after every update,
 * with d = decay, or min(decay, (1 + n)/(10 + n)) after n updates when warm-up is on (TensorFlow's
 * ExponentialMovingAverage with num_updates, which lets short runs use their EMA).
 */
public final class Ema {
    private final Map<String, Tensor> shadow;
    private final Map<String, Tensor> params;
    private final double decay;
    private final boolean warmup;

    /** @param shadow tensors (e.g. a second network's parameters) that hold the average; set to θ now */
    public Ema(Map<String, Tensor> shadow, Map<String, Tensor> params, double decay, boolean warmup) {
        this.shadow = shadow;
        this.params = params;
        this.decay = decay;
        this.warmup = warmup;
        try (NoGradGuard guard = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : params.entrySet()) {
                shadow.get(e.getKey()).copy_(e.getValue());
            }
        }
    }

    /** The decay used for the update after {@code updates} previous updates. */
    public double decayAt(long updates) {
        return warmup ? Math.min(decay, (1.0 + updates) / (10.0 + updates)) : decay;
    }

    /** Moves the average towards the current weights; {@code updates} counts the previous updates. */
    public void update(long updates) {
        double d = decayAt(updates);
        try (NoGradGuard guard = new NoGradGuard(); PointerScope scope = new PointerScope()) {
            for (Map.Entry<String, Tensor> e : params.entrySet()) {
                shadow.get(e.getKey()).mul_(new Scalar(d)).add_(e.getValue().detach(), new Scalar(1 - d));
            }
        }
    }
}

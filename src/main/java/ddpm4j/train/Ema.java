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
    private final java.util.function.LongToDoubleFunction decay; // of the number of previous updates

    /** @param shadow tensors (e.g. a second network's parameters) that hold the average; set to θ now */
    public Ema(Map<String, Tensor> shadow, Map<String, Tensor> params, double decay, boolean warmup) {
        this(shadow, params, n -> warmup ? Math.min(decay, (1.0 + n) / (10.0 + n)) : decay);
    }

    /** EDM2's power-function average of exponent γ ({@link PowerEma#beta}): update t decays by (1 − 1/t)^{γ+1}. */
    public static Ema power(Map<String, Tensor> shadow, Map<String, Tensor> params, double gamma) {
        return new Ema(shadow, params, n -> PowerEma.beta(gamma, n + 1));
    }

    private Ema(Map<String, Tensor> shadow, Map<String, Tensor> params, java.util.function.LongToDoubleFunction decay) {
        this.shadow = shadow;
        this.params = params;
        this.decay = decay;
        try (NoGradGuard guard = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : params.entrySet()) {
                shadow.get(e.getKey()).copy_(e.getValue());
            }
        }
    }

    /** The decay used for the update after {@code updates} previous updates. */
    public double decayAt(long updates) {
        return decay.applyAsDouble(updates);
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

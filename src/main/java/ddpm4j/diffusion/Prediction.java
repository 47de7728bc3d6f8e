package ddpm4j.diffusion;

import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;

/** What the network's (first C) output channels predict, and how to get x₀ back from them. */
public enum Prediction {
    /** ε, the noise added (the paper's choice, eq. 11). */
    EPSILON("epsilon") {
        @Override
        Tensor start(GaussianDiffusion d, Tensor xt, int[] t, Tensor out) {
            return d.predictStartFromNoise(xt, t, out);
        }

        @Override
        Tensor target(GaussianDiffusion d, Tensor x0, Tensor xt, int[] t, Tensor noise) {
            return noise;
        }
    },
    /** x₀ itself. */
    SAMPLE("sample") {
        @Override
        Tensor start(GaussianDiffusion d, Tensor xt, int[] t, Tensor out) {
            return out;
        }

        @Override
        Tensor target(GaussianDiffusion d, Tensor x0, Tensor xt, int[] t, Tensor noise) {
            return x0;
        }
    },
    /** The posterior mean μ̃_t(x_t, x₀) (Table 2's μ̃ prediction). */
    MEAN("mean") {
        @Override
        Tensor start(GaussianDiffusion d, Tensor xt, int[] t, Tensor out) {
            return d.predictStartFromMean(xt, t, out);
        }

        @Override
        Tensor target(GaussianDiffusion d, Tensor x0, Tensor xt, int[] t, Tensor noise) {
            return d.posteriorMean(x0, xt, t);
        }
    },
    /** v = √ᾱ ε − √(1−ᾱ) x₀ (Salimans &amp; Ho 2022). */
    V("v_prediction") {
        @Override
        Tensor start(GaussianDiffusion d, Tensor xt, int[] t, Tensor out) {
            return d.predictStartFromV(xt, t, out);
        }

        @Override
        Tensor target(GaussianDiffusion d, Tensor x0, Tensor xt, int[] t, Tensor noise) {
            return d.velocity(x0, t, noise);
        }
    };

    /** The name in scheduler_config.json's {@code prediction_type}. */
    public final String configName;

    Prediction(String configName) {
        this.configName = configName;
    }

    /** x₀ implied by the network output {@code out} at x_t. */
    abstract Tensor start(GaussianDiffusion d, Tensor xt, int[] t, Tensor out);

    /** What the network should output for the data x₀ noised with {@code noise} into x_t. */
    abstract Tensor target(GaussianDiffusion d, Tensor x0, Tensor xt, int[] t, Tensor noise);

    public static Prediction fromConfig(String name) {
        return Arrays.stream(values()).filter(p -> p.configName.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown prediction type '" + name + "'"));
    }
}

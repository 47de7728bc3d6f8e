package ddpm4j.diffusion;

import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Tensor;

import java.util.function.IntToDoubleFunction;

/** Per-timestep coefficients gathered into [B,1,1,1] float32 tensors that broadcast over images. */
final class Coefficients {
    private Coefficients() {
    }

    static Tensor gather(IntToDoubleFunction table, int[] t) {
        float[] v = new float[t.length];
        for (int i = 0; i < t.length; i++) {
            v[i] = (float) table.applyAsDouble(t[i]);
        }
        return Tensors.fromFloats(v, t.length, 1, 1, 1);
    }
}
